import type { DecodedImage, ImageFileInfo } from '../../../shared/domain/pixels.ts';

export interface DecodeOptions {
  /** Largest accepted width x height of one frame; checked from the header before decoding. */
  maxPixels: number;
  /** Decode only this frame (0-based); all frames when absent (multi-frame DICOM). */
  frame?: number;
}

export interface DecodeResult {
  info: ImageFileInfo;
  frames: DecodedImage[];
}
