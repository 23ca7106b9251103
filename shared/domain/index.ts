export * from './project.ts';
export * from './job.ts';
