export * from './project.ts';
export * from './job.ts';
export type * from './pixels.ts';
export * from './labels.ts';
export type * from './images.ts';
export * from './counts.ts';
export * from './splits.ts';
export * from './run.ts';
