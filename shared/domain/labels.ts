/** Which label set: the one the model is trained on, or the optional auxiliary one (multi-task). */
export const TASK_ROLES = ['main', 'aux'] as const;
export type TaskRole = (typeof TASK_ROLES)[number];

/** Single-label: at most one class per image. Multi-label: any subset of the classes. */
export const TASK_MODES = ['single', 'multi'] as const;
export type TaskMode = (typeof TASK_MODES)[number];

/** Who set a label. `undo`/`redo` only appear in the audit trail. */
export type LabelSource = 'human' | 'model' | 'import';
export type LabelEventSource = LabelSource | 'undo' | 'redo';

export interface LabelClass {
  id: number;
  taskId: number;
  name: string;
  /** 0-based display order within the task. */
  position: number;
  /** `#rrggbb`, or null for the UI's default palette. */
  color: string | null;
  /** One keyboard key that applies this class in the labelling view. */
  shortcut: string | null;
  /** Images labelled with this class (excluded images included). */
  count: number;
}

export interface LabelTask {
  id: number;
  name: string;
  role: TaskRole;
  mode: TaskMode;
  classes: LabelClass[];
  /** Images with at least one class of this task. */
  labelled: number;
}

/** One row of the audit trail: the classes of one image in one task before and after a change. */
export interface LabelEvent {
  id: number;
  at: string;
  imageId: number;
  taskId: number;
  taskRole: TaskRole;
  old: number[];
  new: number[];
  source: LabelEventSource;
  /** Shared by every event of one user action (one bulk label, one undo). */
  batchId: string | null;
  undone: boolean;
  /** The window or tab (session) whose action wrote it; null for the CLI and older projects. */
  session: string | null;
  /** A model label (or its redo): the run whose guess it was; null otherwise or when not known. */
  runId: number | null;
}

/** One undoable action, as undo or redo would take it back or bring it back. */
export interface UndoStep {
  batchId: string;
  source: LabelSource;
  /** Images the action labelled. */
  images: number;
  /** When its last label was written. */
  at: string;
}

/** The labels of one image in one task after a change. */
export interface ImageLabels {
  imageId: number;
  taskId: number;
  classIds: number[];
  /** Present when the classes are a model's accepted guess (runId null: the run is not known). */
  model?: ModelLabel;
}

/** A label accepted from a model: which run guessed it. */
export interface ModelLabel {
  runId: number | null;
}

/** What a label change (set, undo, redo, merge) did, so the UI can refresh just those images. */
export interface LabelChange {
  /** The batch written by this action; null when nothing changed. */
  batchId: string | null;
  changed: ImageLabels[];
  /** Images an undo/redo left alone because they were changed again since (or their class is gone). */
  skipped: number[];
}
