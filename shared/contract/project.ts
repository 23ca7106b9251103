import type { ProjectInfo, RecentProject } from '../domain/project.ts';

export interface CreateProjectArgs {
  /** Directory to create (must not exist, or be empty): an absolute path or ~/…; relative paths are refused. */
  dir: string;
  /** Display name (at most 200 characters); defaults to the directory's name. */
  name?: string;
}

export interface ProjectHandlers {
  /** Create a new project directory and open it. */
  'project.create': (a: CreateProjectArgs) => Promise<ProjectInfo>;
  /** Open an existing project directory (absolute or ~/…), migrating it if an older version made it. */
  'project.open': (a: { dir: string }) => Promise<ProjectInfo>;
  /** Name, location and counts of the open project. */
  'project.info': (a: Record<string, never>) => Promise<ProjectInfo>;
  /** Close the open project (no-op when none is open). */
  'project.close': (a: Record<string, never>) => Promise<{ closed: boolean }>;
  /** Rename the open project. */
  'project.rename': (a: { name: string }) => Promise<ProjectInfo>;
  /** Projects opened recently on this machine, newest first. */
  'project.recent': (a: Record<string, never>) => Promise<RecentProject[]>;
}
