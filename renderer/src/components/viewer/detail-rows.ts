import type { ImageDetail } from '../../../../shared/domain/images.ts';

/** One section of the viewer's details panel: a heading and label/value rows. */
export interface DetailSection {
  title: string;
  rows: [label: string, value: string][];
}

/** Metadata the Image section already shows in words, or that only the engine needs. */
const SHOWN_ELSEWHERE = new Set(['width', 'height', 'bitDepth', 'channels', 'space', 'frames', 'file']);

/** DICOM keywords in the order and words a radiologist reads them; anything else follows as it is named. */
const DICOM_LABELS: [keyword: string, label: string][] = [
  ['PatientID', 'Patient ID'],
  ['StudyDate', 'Study date'],
  ['Modality', 'Modality'],
  ['BodyPartExamined', 'Body part'],
  ['ViewPosition', 'View'],
  ['Laterality', 'Laterality'],
  ['ImageLaterality', 'Image laterality'],
  ['SeriesDescription', 'Series'],
  ['PixelSpacing', 'Pixel spacing'],
  ['ImagerPixelSpacing', 'Detector pixel spacing'],
  ['SliceThickness', 'Slice thickness'],
  ['WindowCenter', 'Window centre (file)'],
  ['WindowWidth', 'Window width (file)'],
  ['RescaleSlope', 'Rescale slope'],
  ['RescaleIntercept', 'Rescale intercept'],
  ['PhotometricInterpretation', 'Photometric'],
  ['BitsStored', 'Bits stored'],
  ['InstanceNumber', 'Instance'],
  ['Manufacturer', 'Manufacturer'],
  ['ManufacturerModelName', 'Model'],
  ['TransferSyntaxUID', 'Transfer syntax'],
  ['StudyInstanceUID', 'Study UID'],
  ['SeriesInstanceUID', 'Series UID'],
  ['SOPInstanceUID', 'Instance UID'],
  ['SOPClassUID', 'SOP class'],
];
/** Repeats of what the Image section says (size, channels, frames). */
const DICOM_HIDDEN = new Set(['Rows', 'Columns', 'SamplesPerPixel', 'BitsAllocated', 'PixelRepresentation', 'NumberOfFrames']);

const TRANSFER_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR little endian',
  '1.2.840.10008.1.2.1': 'Explicit VR little endian',
  '1.2.840.10008.1.2.1.99': 'Deflated explicit VR little endian',
  '1.2.840.10008.1.2.2': 'Explicit VR big endian',
  '1.2.840.10008.1.2.4.50': 'JPEG baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG extended (12-bit)',
  '1.2.840.10008.1.2.4.57': 'JPEG lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG lossless, first-order prediction',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE lossless',
};

/**
 * The viewer's details as sections of readable rows: the image in words (not the raw metadata
 * keys that repeat it), the file, and for DICOM the tags by their radiology names with units.
 */
export function detailSections(detail: ImageDetail, className: (id: number) => string): DetailSection[] {
  const names = (ids: number[]) => ids.map(className).join(', ') || '—';
  const meta = detail.metadata;
  const frames = typeof meta.frames === 'number' && meta.frames > 1 ? `, frame ${detail.frame + 1} of ${meta.frames}` : '';
  const image: DetailSection = {
    title: 'Image',
    rows: [
      ['Size', `${detail.width} × ${detail.height} px${frames}`],
      ['Pixels', `${detail.bitDepth}-bit ${channelWords(detail.channels)}, ${detail.format.toUpperCase()}`],
      ['Default window', detail.window ? `L ${round(detail.window.center)} / W ${round(detail.window.width)}` : 'none (8-bit)'],
      ['Labels', `${names(detail.labels)}${modelWords(detail)}`],
      ['Group', detail.groupId ?? '—'],
      ['Split', detail.split ? `${detail.split}${detail.splitLocked ? ' (locked)' : ''}` : '—'],
      ['Excluded', detail.excluded ? `yes${detail.excludeReason ? `: ${detail.excludeReason}` : ''}` : 'no'],
      ['Duplicates', detail.exactDuplicates.length > 0 ? `same pixels as ${detail.exactDuplicates.map((id) => `#${id}`).join(', ')}` : 'none'],
      ['Imported', new Date(detail.importedAt).toLocaleString()],
    ],
  };
  const sections = [image, fileSection(detail)];
  const isDicom = detail.format === 'dicom' || 'TransferSyntaxUID' in meta;
  const extra = Object.entries(meta).filter(([k]) => !SHOWN_ELSEWHERE.has(k) && !(isDicom && (DICOM_HIDDEN.has(k) || DICOM_LABELS.some(([d]) => d === k))));
  if (isDicom) {
    const rows = DICOM_LABELS.filter(([k]) => meta[k] !== undefined).map(([k, label]): [string, string] => [label, dicomValue(k, meta[k])]);
    sections.push({ title: 'DICOM', rows: [...rows, ...extra.map(([k, v]): [string, string] => [k, plain(v)])] });
  } else if (extra.length > 0) {
    sections.push({ title: 'More', rows: extra.map(([k, v]): [string, string] => [words(k), plain(v)]) });
  }
  return sections;
}

/** " (accepted from model run #7)": a label nobody has checked reads differently from a person's. */
function modelWords(detail: ImageDetail): string {
  if (!detail.fromModel) return '';
  return detail.fromModel.runId === null ? ' (accepted from the model)' : ` (accepted from model run #${detail.fromModel.runId})`;
}

function fileSection(detail: ImageDetail): DetailSection {
  const file = (detail.metadata.file ?? {}) as { size?: number; mtimeMs?: number; source?: string };
  const rows: [string, string][] = [['Path', detail.path]];
  if (detail.copied && file.source) rows.push(['Copied from', file.source]);
  if (typeof file.size === 'number') rows.push(['File size', fileSize(file.size)]);
  if (typeof file.mtimeMs === 'number') rows.push(['Modified', new Date(file.mtimeMs).toLocaleString()]);
  return { title: 'File', rows };
}

function channelWords(channels: number): string {
  return channels === 1 ? 'grey' : channels === 3 ? 'RGB' : channels === 4 ? 'RGBA' : `${channels} channels`;
}

export function fileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

function dicomValue(keyword: string, value: unknown): string {
  if (keyword === 'TransferSyntaxUID' && typeof value === 'string') return TRANSFER_SYNTAXES[value] ? `${TRANSFER_SYNTAXES[value]} (${value})` : value;
  if ((keyword === 'PixelSpacing' || keyword === 'ImagerPixelSpacing') && Array.isArray(value)) return `${value.join(' × ')} mm (row × column)`;
  if (keyword === 'PixelSpacing' || keyword === 'ImagerPixelSpacing' || keyword === 'SliceThickness') return `${plain(value)} mm`;
  if (keyword === 'StudyDate' && typeof value === 'string' && /^\d{8}$/.test(value)) return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`;
  return plain(value);
}

function plain(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.join(', ');
  return JSON.stringify(value);
}

/** `bmpBitsPerPixel` -> "Bmp bits per pixel". */
function words(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
