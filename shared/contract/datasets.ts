import type { JobRef } from '../domain/job.ts';
import type { GroupLeak } from '../domain/splits.ts';

export interface StartImportArgs {
  /** Files and folders to import; folders are walked recursively. May be empty when `csv` lists the files. */
  paths: string[];
  /** A CSV with a header naming `path`, `label` and optionally `group` and `aux_label`; relative paths resolve against the CSV's folder. */
  csv?: string;
  /** Treat the first sub-folder below each given folder as the image's class (`cats/001.png` -> `cats`). */
  classFolders?: boolean;
  /** Copy the files into the project's images/ folder (content-addressed) instead of referencing them where they are. */
  copy?: boolean;
  /** Which CSV header holds each role, when the usual names (path/file, label/class, group/patient_id, aux_label) do not fit. */
  csvColumns?: CsvColumnMapping;
  /** The window or tab starting the import: its labels become one undo step of that session. */
  session?: string;
}

export interface CsvColumnMapping {
  path?: string;
  label?: string;
  group?: string;
  auxLabel?: string;
  /** train / val / test per image, applied as a fixed split (see ImportedSplits). */
  split?: string;
}

/**
 * What a CSV's split column did. Each image it names goes to exactly that split (a fixed, manual
 * split that replaces the project's for those images; the others keep theirs), except locked test
 * images, which stay in test. Groups left in two splits are reported, not moved.
 */
export interface ImportedSplits {
  /** Images whose split is now the one the file names. */
  applied: number;
  /** Of those, images that had another split before. */
  moved: number;
  /** Images the file puts outside test while they sit in the locked test set: they stayed. */
  keptLocked: number[];
  /** Groups (patients, lots) with included images in more than one split after the import. */
  leakingGroups: GroupLeak[];
}

/** A label CSV's header, the columns recognised for each role, and its first rows. */
export interface CsvPreview {
  columns: string[];
  detected: CsvColumnMapping;
  preview: string[][];
}

/** Why one file or CSV row was not imported (or imported without its label). */
export type ImportIssueCode =
  | 'empty' // zero-byte file
  | 'unreadable' // permissions, vanished, not a regular file
  | 'not-found' // CSV row names a file that does not exist
  | 'not-an-image' // text, PDF ...
  | 'corrupt' // truncated or damaged image data
  | 'unsupported' // a real image in a format or DICOM syntax we cannot decode
  | 'too-large' // more pixels than the import limit (decompression bombs)
  | 'changed' // the file at an imported path has different content now
  | 'label' // CSV row with an empty label or bad columns
  | 'internal';

export interface ImportIssue {
  path: string;
  code: ImportIssueCode;
  message: string;
}

export interface ExactDuplicate {
  path: string;
  frame: number;
  imageId: number;
  /** The first image with the same decoded pixels. */
  duplicateOf: { imageId: number; path: string };
}

export interface NearDuplicate {
  imageId: number;
  path: string;
  otherId: number;
  otherPath: string;
  /** Hamming distance of the perceptual hashes (0 = visually identical). */
  distance: number;
}

/** What an import did; the job's result and what `import.report` returns. */
export interface ImportReport {
  /** Files found in the given paths and the CSV. */
  files: number;
  /** New image rows (one per frame), duplicates included. */
  imported: number;
  /** Files that were already in the project (same path, size and time, or same bytes). */
  skipped: number;
  duplicates: {
    exact: ExactDuplicate[];
    near: NearDuplicate[];
    /** Near pairs found in all; `near` lists at most the first 1,000. */
    nearTotal: number;
    nearThreshold: number;
  };
  labels: {
    /** Labels applied per class name of the main task, to new and already imported files; a label an image already had is not counted. */
    main: Record<string, number>;
    aux: Record<string, number>;
    /** Classes the import created because the project did not have them yet. */
    classesCreated: string[];
  };
  issues: ImportIssue[];
  /** Present when the CSV has a split column. */
  splits?: ImportedSplits;
  /** True when the user cancelled: what was imported before stays. */
  cancelled: boolean;
  elapsedMs: number;
}

export interface DatasetHandlers {
  /** Start importing files, folders and/or a CSV into the open project; returns the job (kind `import`). */
  'import.start': (a: StartImportArgs) => Promise<JobRef>;
  /** The report of an import job (also after a restart: it is stored with the job); a running job answers its report so far. */
  'import.report': (a: { jobId: string }) => Promise<ImportReport>;
  /** Read a label CSV's header and first rows, with the columns recognised for path, label, group and aux label (for column mapping). */
  'import.inspectCsv': (a: { csv: string }) => Promise<CsvPreview>;
  /** Create and open a sample project of synthetic chest X-rays (labelled, grouped by patient) in `dir`, by default a new folder under the LabelTune home; its images arrive through an import job. */
  'demo.create': (a: { dir?: string; images?: number; seed?: number }) => Promise<JobRef & { project: import('../domain/project.ts').ProjectInfo }>;
}
