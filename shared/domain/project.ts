/** What the UI and the CLI know about an open project. */
export interface ProjectInfo {
  /** Absolute path of the project directory. */
  dir: string;
  name: string;
  createdAt: string;
  /** Version of the schema (number of migrations applied). */
  schemaVersion: number;
  counts: ProjectCounts;
}

export interface ProjectCounts {
  images: number;
  labelled: number;
  excluded: number;
  classes: number;
  runs: number;
}

/** A project the user opened before, newest first. */
export interface RecentProject {
  dir: string;
  name: string;
  openedAt: string;
}
