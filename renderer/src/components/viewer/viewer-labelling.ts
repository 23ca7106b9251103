import type { LabelClass } from '../../../../shared/domain/labels.ts';

/**
 * What the viewer needs to label and step through images when it is opened from the grid: the
 * grid's classes, the shown image's classes and place in the filter, and the grid's own key map.
 */
export interface ViewerLabelling {
  readonly classes: LabelClass[];
  readonly labels: number[];
  readonly position: number;
  readonly total: number;
  /** The grid's labelling keys, as the viewer maps them; true when the key was used. */
  onKey: (e: KeyboardEvent) => boolean;
  onLabel: (classId: number) => void;
  onStep: (by: number) => void;
}
