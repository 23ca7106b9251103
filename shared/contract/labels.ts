import type { CountsDelta, CountsMoved } from '../domain/counts.ts';
import type { AnnotationFormat } from '../domain/annotations.ts';
import type { ImageFilter } from '../domain/images.ts';
import type { LabelChange, LabelClass, LabelEvent, LabelSource, LabelTask, TaskMode, TaskRole, UndoStep, ImageLabels } from '../domain/labels.ts';

/**
 * What a counted write (labels.set, undo, redo, images.exclude/include) may carry, so one call is
 * enough to keep the caller's counts current.
 */
export interface CountedWriteArgs {
  /** The filter whose counts the caller shows; the result's `filtered` is the delta within it. */
  filter?: ImageFilter;
  /** An id the calling client picked for itself, echoed by this write's event: that client applies the result and skips the event. */
  clientId?: string;
}

export interface ConfigureTaskArgs {
  role: TaskRole;
  /** Display name; defaults to "Main labels" / "Auxiliary labels". */
  name?: string;
  /** Switching to single-label is refused while an image has more than one class. */
  mode?: TaskMode;
}

export interface AddClassArgs {
  /** The label set; created (single-label) when it does not exist yet. Defaults to 'main'. */
  taskRole?: TaskRole;
  /** 1 to 200 characters after trimming. */
  name: string;
  color?: string;
  shortcut?: string;
}

export interface UpdateClassArgs {
  classId: number;
  name?: string;
  /** null clears the colour / shortcut. */
  color?: string | null;
  shortcut?: string | null;
}

export type SetMode = 'replace' | 'add' | 'remove' | 'toggle';

export interface SetLabelsArgs extends CountedWriteArgs {
  imageIds: number[];
  taskRole?: TaskRole;
  /** Single-label tasks with mode 'replace': exactly one class, or none to clear. */
  classIds: number[];
  /** replace (default): the image gets exactly classIds; add/remove: union/difference; toggle: flips each class per image. */
  mode?: SetMode;
  source?: Exclude<LabelSource, 'import'>;
  /** The batchId an earlier call of the same action returned: a selection sent in parts stays one undo step. */
  continueBatch?: string;
  /** The window or tab writing: its undo takes back only its own actions. */
  session?: string;
}

export interface UndoArgs extends CountedWriteArgs {
  /** Only this session's own actions; without it, the project's newest (the CLI). */
  session?: string;
  /** The batch undoPreview (or a held answer) named and the user confirmed; refused (conflict) when the next step is another one. */
  expect?: string;
  /** Without `expect`: when the step labelled more images than this, or is an import, do nothing and answer it with held: true, to ask first. */
  askAbove?: number;
}

/** What undoing or redoing an import did to the split its CSV's split column placed. */
export interface FileSplitStep {
  /** The CSV's name (labels.csv). */
  file: string;
  /** The split went back to the one before the import (undo) or was placed again (redo); false: it was changed in between and kept. */
  restored: boolean;
  /** One sentence saying which, for the toast and the CLI. */
  message: string;
}

/** An undo or redo: what changed, the step it took (or held back to ask first), and `split` when the step placed a split. */
export type UndoResult = LabelChange & CountsMoved & { step: UndoStep | null; held: boolean; split?: FileSplitStep };

export interface ExportAnnotationsArgs {
  format: AnnotationFormat;
  /** Write the file here (absolute path; its folder must exist). Without it the text comes back in the answer. */
  outFile?: string;
}

export interface AnnotationExport {
  format: AnnotationFormat;
  /** Images in the file (all of them, excluded ones included, with their reason). */
  images: number;
  /** A file name to offer when saving, e.g. "chest-xray-labels.csv". */
  fileName: string;
  /** The file's content, when no outFile was given. */
  text?: string;
  /** Where the file was written, when outFile was given. */
  path?: string;
}

export interface LabelHandlers {
  /** Every label set with its classes (in display order) and the image count of each class. */
  'labels.tasks': (a: Record<string, never>) => Promise<LabelTask[]>;
  /** Create a label set or change its name / single- vs multi-label mode. */
  'labels.configureTask': (a: ConfigureTaskArgs) => Promise<LabelTask>;
  /** Add a class (creating the label set on demand). */
  'labels.addClass': (a: AddClassArgs) => Promise<LabelClass>;
  /** Rename a class or change its colour / shortcut key. */
  'labels.updateClass': (a: UpdateClassArgs) => Promise<LabelClass>;
  /** Put a task's classes in this order (every class of the task, once). */
  'labels.reorderClasses': (a: { classIds: number[] }) => Promise<LabelTask>;
  /** Move every label of class `fromId` to `intoId` (same task) and delete `fromId`; audited. */
  'labels.mergeClasses': (a: { fromId: number; intoId: number }) => Promise<LabelChange & { restoreId: string }>;
  /** Delete a class; refused while images use it unless `moveTo` names a class of the same task to move them to. */
  'labels.deleteClass': (a: { classId: number; moveTo?: number }) => Promise<LabelChange & { restoreId: string }>;
  /** Undo a merge or delete (its `restoreId`): the class comes back and the images it had get it again; audited. */
  'labels.restoreClass': (a: { restoreId: string }) => Promise<LabelChange & { restored: LabelClass }>;
  /** Label one or many images in one undoable action; answers how the counts moved. */
  'labels.set': (a: SetLabelsArgs) => Promise<LabelChange & CountsMoved>;
  /** What undo and redo would do next (of the session, when given), so the UI can name it and ask first. */
  'labels.undoPreview': (a: { session?: string }) => Promise<{ undo: UndoStep | null; redo: UndoStep | null }>;
  /** Undo the most recent label action (human, model or import); `batchId` null when there is nothing to undo; `step` names it. */
  'labels.undo': (a: UndoArgs) => Promise<UndoResult>;
  /** Redo the most recently undone action; `batchId` null when there is nothing to redo. */
  'labels.redo': (a: UndoArgs) => Promise<UndoResult>;
  /** Labels, aux labels, groups, splits and exclusions of every image as CSV (re-importable as is), JSON or COCO-style JSON. */
  'labels.export': (a: ExportAnnotationsArgs) => Promise<AnnotationExport>;
  /** The audit trail of one image, newest first. */
  'labels.history': (a: { imageId: number }) => Promise<LabelEvent[]>;
}

export interface LabelEvents {
  /**
   * Labels of these images changed (set, undo, redo, merge, delete, predictions). `counts` is the
   * whole-project delta where the write worked it out (set, undo, redo); without it, count again.
   * `changed` (set, undo, redo) are the images' new classes, so other windows redraw their tiles.
   */
  'labels.changed': { imageIds: number[]; counts?: CountsDelta; clientId?: string; changed?: ImageLabels[] };
}
