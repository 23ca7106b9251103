/**
 * Decoded pixels, the common currency between import (decoding), the viewer (window/level
 * rendering), hashing and training preprocessing. Not JSON: it never crosses the contract.
 */
export interface DecodedImage {
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA); samples are interleaved, row-major. */
  channels: 1 | 3 | 4;
  /** Bits per sample as stored in the source (8, 12, 16 ...). */
  bitDepth: number;
  /**
   * Samples. 8-bit sources: Uint8Array. 16-bit sources: Uint16Array. DICOM after modality rescale
   * (slope/intercept, possibly negative such as CT Hounsfield units), signed DICOM samples and
   * 32-bit DICOM samples: Float32Array. 1-bit DICOM (segmentations): Uint8Array of 0/1, bitDepth 1.
   * MONOCHROME1 is already inverted, so larger always means brighter; YBR is already RGB.
   */
  data: Uint8Array | Uint16Array | Float32Array;
  /** Default display window (DICOM WindowCenter/Width, or the sample range for other 16-bit images). */
  window: { center: number; width: number } | null;
}

/** What a decoder learned about a file besides its pixels. */
export interface ImageFileInfo {
  /** png, jpeg, tiff, bmp, webp, dicom */
  format: string;
  /** Number of frames in the file (multi-frame DICOM, multi-page TIFF). */
  frames: number;
  modality: string | null;
  /** Patient / lot id used to group images in splits (DICOM PatientID). */
  groupId: string | null;
  /** JSON-safe metadata: DICOM tags (PatientID, StudyInstanceUID, Modality, BodyPartExamined, ViewPosition, PixelSpacing, ...). */
  metadata: Record<string, unknown>;
}
