import type { DataSet } from 'dicom-parser';
import type { Modality } from './pixels.ts';

type Kind = 'string' | 'numbers' | 'int' | 'uint16';

/** Tags kept per image (JSON-safe), by keyword. Patient names and birth dates are left out on purpose. */
const TAGS: [keyword: string, tag: string, kind: Kind][] = [
  ['PatientID', 'x00100020', 'string'],
  ['StudyInstanceUID', 'x0020000d', 'string'],
  ['SeriesInstanceUID', 'x0020000e', 'string'],
  ['SOPInstanceUID', 'x00080018', 'string'],
  ['SOPClassUID', 'x00080016', 'string'],
  ['StudyDate', 'x00080020', 'string'],
  ['SeriesDescription', 'x0008103e', 'string'],
  ['Modality', 'x00080060', 'string'],
  ['BodyPartExamined', 'x00180015', 'string'],
  ['ViewPosition', 'x00185101', 'string'],
  ['Laterality', 'x00200060', 'string'],
  ['ImageLaterality', 'x00200062', 'string'],
  ['PixelSpacing', 'x00280030', 'numbers'],
  ['ImagerPixelSpacing', 'x00181164', 'numbers'],
  ['SliceThickness', 'x00180050', 'numbers'],
  ['InstanceNumber', 'x00200013', 'int'],
  ['Rows', 'x00280010', 'uint16'],
  ['Columns', 'x00280011', 'uint16'],
  ['SamplesPerPixel', 'x00280002', 'uint16'],
  ['BitsAllocated', 'x00280100', 'uint16'],
  ['BitsStored', 'x00280101', 'uint16'],
  ['PixelRepresentation', 'x00280103', 'uint16'],
  ['PhotometricInterpretation', 'x00280004', 'string'],
  ['NumberOfFrames', 'x00280008', 'int'],
  ['RescaleSlope', 'x00281053', 'numbers'],
  ['RescaleIntercept', 'x00281052', 'numbers'],
  ['WindowCenter', 'x00281050', 'numbers'],
  ['WindowWidth', 'x00281051', 'numbers'],
  ['Manufacturer', 'x00080070', 'string'],
  ['ManufacturerModelName', 'x00081090', 'string'],
];

/** The tags above that are present, plus the transfer syntax; DS values become numbers (arrays when multi-valued). */
export function readDicomMetadata(ds: DataSet, transferSyntax: string): Record<string, unknown> {
  const out: Record<string, unknown> = { TransferSyntaxUID: transferSyntax };
  for (const [keyword, tag, kind] of TAGS) {
    if (!ds.elements[tag] || ds.elements[tag].length === 0) continue;
    const value = readValue(ds, tag, kind);
    if (value !== undefined && value !== '') out[keyword] = value;
  }
  return out;
}

function readValue(ds: DataSet, tag: string, kind: Kind): unknown {
  if (kind === 'uint16') return ds.uint16(tag);
  if (kind === 'string') return ds.string(tag)?.replace(/\0/g, '').trim();
  if (kind === 'int') {
    const n = ds.intString(tag);
    return Number.isFinite(n) ? n : undefined;
  }
  const values = dsNumbers(ds, tag);
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values;
}

function dsNumbers(ds: DataSet, tag: string): number[] {
  const count = ds.numStringValues(tag) ?? 0;
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = ds.floatString(tag, i);
    if (v !== undefined && Number.isFinite(v)) values.push(v);
  }
  return values;
}

/** Rescale slope/intercept (identity when absent) and the first window, ignoring nonsensical widths. */
export function readModality(ds: DataSet): Modality {
  const slope = dsNumbers(ds, 'x00281053')[0] ?? 1;
  const intercept = dsNumbers(ds, 'x00281052')[0] ?? 0;
  const center = dsNumbers(ds, 'x00281050')[0];
  const width = dsNumbers(ds, 'x00281051')[0];
  const window = center !== undefined && width !== undefined && width > 0 ? { center, width } : null;
  return { slope: slope === 0 ? 1 : slope, intercept, window };
}
