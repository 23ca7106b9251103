export * from './project.ts';
export * from './job.ts';
export type * from './pixels.ts';
