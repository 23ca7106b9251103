import { describe, expect, it } from 'vitest';
import type { ImageDetail } from '../../../../shared/domain/images.ts';
import { detailSections, fileSize } from './detail-rows.ts';

const base: ImageDetail = {
  id: 7,
  path: '/data/hands/hand_01.png',
  width: 96,
  height: 96,
  format: 'png',
  bitDepth: 8,
  groupId: null,
  excluded: false,
  split: 'train',
  labels: [1],
  duplicateOf: null,
  hash: 'h',
  fileHash: 'f',
  phash: null,
  frame: 0,
  copied: false,
  channels: 3,
  modality: null,
  window: null,
  metadata: { width: 96, height: 96, bitDepth: 8, channels: 3, space: 'srgb', frames: 1, file: { size: 1540, mtimeMs: 1795908025877 } },
  excludeReason: null,
  importedAt: '2026-11-28T23:20:26.000Z',
  splitLocked: false,
  exactDuplicates: [],
};
const className = (id: number) => (id === 1 ? 'normal' : `class ${id}`);
const asObject = (sections: ReturnType<typeof detailSections>) => Object.fromEntries(sections.map((s) => [s.title, Object.fromEntries(s.rows)]));

describe('the viewer details', () => {
  it('says the image in words once, instead of repeating raw metadata keys and JSON', () => {
    const sections = detailSections(base, className);
    expect(sections.map((s) => s.title)).toEqual(['Image', 'File']);
    const { Image, File } = asObject(sections);
    expect(Image).toMatchObject({ Size: '96 × 96 px', Pixels: '8-bit RGB, PNG', 'Default window': 'none (8-bit)', Labels: 'normal', Split: 'train', Duplicates: 'none' });
    expect(File).toMatchObject({ Path: '/data/hands/hand_01.png', 'File size': '1.5 kB' });
    expect(File.Modified).toBe(new Date(1795908025877).toLocaleString());
    const everything = sections.flatMap((s) => s.rows.flat()).join('\n');
    expect(everything).not.toMatch(/mtimeMs|bitDepth|\{"/);
    expect(asObject(detailSections({ ...base, fromModel: { runId: 7 } }, className)).Image.Labels).toBe('normal (accepted from model run #7)');
  });

  it('names DICOM tags as a radiologist reads them, with units and the transfer syntax by name', () => {
    const dicom: ImageDetail = {
      ...base,
      format: 'dicom',
      bitDepth: 16,
      channels: 1,
      frame: 1,
      modality: 'CR',
      groupId: 'PAT-0042',
      window: { center: 2047.5, width: 4096 },
      exactDuplicates: [3, 9],
      metadata: {
        TransferSyntaxUID: '1.2.840.10008.1.2.4.70',
        PatientID: 'PAT-0042',
        StudyDate: '20250314',
        Modality: 'CR',
        BodyPartExamined: 'HAND',
        PixelSpacing: [0.139, 0.139],
        Rows: 96,
        Columns: 96,
        NumberOfFrames: 3,
        PrivateThing: 'kept',
        frames: 3,
        file: { size: 2_345_678 },
      },
    };
    const { Image, File, DICOM } = asObject(detailSections(dicom, className));
    expect(Image).toMatchObject({ Size: '96 × 96 px, frame 2 of 3', Pixels: '16-bit grey, DICOM', 'Default window': 'L 2047.5 / W 4096', Duplicates: 'same pixels as #3, #9' });
    expect(File['File size']).toBe('2.3 MB');
    expect(DICOM).toEqual({
      'Patient ID': 'PAT-0042',
      'Study date': '2025-03-14',
      Modality: 'CR',
      'Body part': 'HAND',
      'Pixel spacing': '0.139 × 0.139 mm (row × column)',
      'Transfer syntax': 'JPEG lossless, first-order prediction (1.2.840.10008.1.2.4.70)',
      PrivateThing: 'kept',
    });
  });

  it('keeps metadata it has no words for, named from its key', () => {
    const bmp = { ...base, format: 'bmp', metadata: { ...base.metadata, bmpBitsPerPixel: 24 } };
    expect(asObject(detailSections(bmp, className)).More).toEqual({ 'Bmp bits per pixel': '24' });
  });

  it('formats file sizes', () => {
    expect([fileSize(999), fileSize(1000), fileSize(15_400), fileSize(2_345_678), fileSize(7e9)]).toEqual(['999 bytes', '1.0 kB', '15 kB', '2.3 MB', '7.0 GB']);
  });
});
