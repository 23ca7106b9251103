import { basename } from 'node:path';
import type { ImportIssue } from '../../../../shared/contract/datasets.ts';
import { EngineError } from '../../../../shared/contract/errors.ts';
import { sniffFormat } from '../../../imaging/decode/sniff.ts';

/** Whether the bytes claim to be an image; decides how a failure is worded (corrupt vs not an image). */
export function looksLikeImage(bytes: Buffer | null): boolean {
  return bytes !== null && sniffFormat(bytes.subarray(0, 512)) !== null;
}

/**
 * Turn whatever reading or decoding a file threw into a report entry. Decoder errors already carry
 * a message for the user; file-system errors are worded here.
 */
export function classifyDecodeError(path: string, e: unknown, bytes: Buffer | null): ImportIssue {
  const errno = (e as NodeJS.ErrnoException)?.code;
  if (errno === 'EACCES' || errno === 'EPERM') {
    return { path, code: 'unreadable', message: `${path} cannot be read (permission denied); give your user read access to it and import again.` };
  }
  if (errno === 'ENOENT') return { path, code: 'unreadable', message: `${path} disappeared while importing; check the folder and import again.` };
  if (errno === 'EISDIR' || errno === 'EIO') return { path, code: 'unreadable', message: `${path} cannot be read (${errno}).` };
  if (bytes && !looksLikeImage(bytes)) {
    return { path, code: 'not-an-image', message: `${basename(path)} is not an image LabelTune can read (PNG, JPEG, TIFF, BMP, WebP or DICOM); it was left out.` };
  }
  if (e instanceof EngineError) {
    const details = e.details as { limit?: number } | undefined;
    if (e.code === 'unsupported') return { path, code: 'unsupported', message: e.message };
    if (e.code === 'validation' && details?.limit !== undefined) return { path, code: 'too-large', message: e.message };
    if (e.code === 'validation') return { path, code: 'corrupt', message: e.message };
  }
  const text = e instanceof Error ? e.message : String(e);
  return { path, code: 'corrupt', message: `${basename(path)} could not be decoded (${text}). The file is damaged or incomplete; re-export or copy it again.` };
}
