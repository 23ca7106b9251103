/** Where an image to try comes from: a file sent with `predict.upload`, or a path on the engine's machine. */
export type TrySource = { uploadId: string } | { path: string };

export interface TryUploadArgs {
  /** Continue this upload; absent: start a new one. */
  uploadId?: string;
  /** The file's name as the person chose it (its extension tells the decoder the format). */
  name: string;
  /** The next part of the file, base64, at most TRY_UPLOAD_PART bytes before encoding. */
  data: string;
}

/** Bytes per `predict.upload` call: base64 of this stays well under browser mode's 1 MiB message limit. */
export const TRY_UPLOAD_PART = 512 * 1024;

/** One tried image: the run's probabilities and the Grad-CAM overlay of the predicted class, or why there are none. */
export interface TryPrediction {
  /** The file name (upload) or the path given. */
  source: string;
  probs: number[] | null;
  predictedClass: number | null;
  /** The model's view of the image with the heatmap blended on, as a `data:image/png;base64,` URL. */
  overlay: string | null;
  error: string | null;
}

export interface TryResult {
  runId: number;
  classes: string[];
  multiLabel: boolean;
  items: TryPrediction[];
}

export interface TryItHandlers {
  /** Send one part of a file to try (the first call answers a new uploadId); nothing enters the project. */
  'predict.upload': (a: TryUploadArgs) => Promise<{ uploadId: string; bytes: number }>;
  /**
   * A run's best checkpoint on images that are not in the project: probabilities and Grad-CAM of
   * each, through the model host. Uploaded files are deleted afterwards; the project is not touched.
   */
  'predict.files': (a: { runId: number; sources: TrySource[]; overlaySize?: number }) => Promise<TryResult>;
}
