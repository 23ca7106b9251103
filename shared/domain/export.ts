/** Exported models: formats, where they went, and how faithfully they reproduce the app's model. */

export const EXPORT_FORMATS = ['tfjs', 'onnx', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One parity check: the exported model run by another runtime against the in-app model. */
export interface ParityCheck {
  /** e.g. "onnxruntime-node 1.30.0", "tf.loadGraphModel", "safetensors reload". */
  runtime: string;
  /** Held-out images compared. */
  images: number;
  /** Max over images of ||exported − app|| / ||app|| on the logits. */
  maxRelError: number;
  /** False when the error is at or above the tolerance: the export is flagged. */
  ok: boolean;
}

export interface ExportInfo {
  id: number;
  runId: number;
  format: ExportFormat;
  /** Folder holding the model files, preprocessing.json and the model card. */
  path: string;
  files: string[];
  parity: ParityCheck | null;
  createdAt: string;
}

export const PARITY_TOLERANCE = 1e-4;
