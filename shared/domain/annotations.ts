import type { SplitName } from './splits.ts';
import type { LabelSource } from './labels.ts';

/** Annotation export formats: a label CSV (re-importable), LabelTune's JSON, COCO-style classification JSON. */
export const ANNOTATION_FORMATS = ['csv', 'json', 'coco'] as const;
export type AnnotationFormat = (typeof ANNOTATION_FORMATS)[number];

/** Everything a person decided about one image, as exported. */
export interface AnnotationRow {
  imageId: number;
  path: string;
  frame: number;
  width: number;
  height: number;
  /** Main label set, in class display order (several for a multi-label set). */
  labels: string[];
  auxLabels: string[];
  /** Who set the main label (human, model, import); null when unlabelled. */
  labelSource: LabelSource | null;
  group: string | null;
  split: SplitName | null;
  excluded: boolean;
  excludeReason: string | null;
}
