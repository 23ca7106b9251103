/** The formats decodeFile understands, recognised from content (never from the extension). */
export type ImageFormat = 'png' | 'jpeg' | 'tiff' | 'bmp' | 'webp' | 'gif' | 'dicom';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Identifies a file by its first bytes; null when it is none of the supported formats. */
export function sniffFormat(head: Uint8Array): ImageFormat | null {
  // DICOM first: a DICOM file's 128-byte preamble may itself hold a TIFF header (dual-format files).
  if (ascii(head, 128, 4) === 'DICM') return 'dicom';
  if (startsWith(head, PNG_MAGIC)) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return 'webp';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(head, 0, 2) === 'BM' && head.length >= 26) return 'bmp';
  if (looksLikeBareDicom(head)) return 'dicom';
  return null;
}

/**
 * DICOM written without preamble (old ACR-NEMA style or stripped files): the data set starts right
 * away with a low group (0002 meta, 0008 identification) in either byte order, followed by an
 * explicit VR or a plausible implicit length.
 */
export function looksLikeBareDicom(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const groupLe = head[0] | (head[1] << 8);
  const groupBe = (head[0] << 8) | head[1];
  const group = groupLe === 0x0002 || groupLe === 0x0008 ? groupLe : groupBe === 0x0008 ? groupBe : -1;
  if (group < 0) return false;
  const vr = ascii(head, 4, 2);
  if (/^[A-Z]{2}$/.test(vr)) return true;
  const implicitLength = head[4] | (head[5] << 8) | (head[6] << 16) | (head[7] << 24);
  return implicitLength >= 0 && implicitLength < 1024;
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (bytes.length < offset + length) return '';
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}
