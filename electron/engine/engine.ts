import type { Handlers } from '../../shared/contract/index.ts';
import { EngineContext, type EngineOptions } from './context.ts';
import { Dispatcher } from './dispatcher.ts';
import { type Implementation, mergeHandlers } from './handler.ts';
import { jobHandlers } from './jobs/handlers.ts';
import { labelHandlers } from './labels/handlers.ts';
import { imageHandlers } from './images/handlers.ts';
import { splitHandlers } from './splits/handlers.ts';
import { projectHandlers } from './projects/handlers.ts';
import { weightsHandlers } from './weights/handlers.ts';
import { datasetHandlers } from './datasets/handlers.ts';
import { systemHandlers } from './system/handlers.ts';
import { runHandlers } from './runs/handlers.ts';
import { evaluationHandlers } from './evaluation/index.ts';
import { exportHandlers } from './export/handlers.ts';
import { duplicateHandlers } from './images/duplicate-handlers.ts';
import { scaleOutHandlers } from './runs/job-folder-handlers.ts';

/** The engine: shared context plus one dispatcher over every feature's handlers. */
export interface Engine {
  ctx: EngineContext;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export function createEngine(opts: EngineOptions = {}): Engine {
  const ctx = new EngineContext(opts);
  const table: Implementation<Handlers> = mergeHandlers(
    projectHandlers(ctx),
    jobHandlers(ctx),
    labelHandlers(ctx),
    imageHandlers(ctx),
    splitHandlers(ctx),
    weightsHandlers(ctx),
    datasetHandlers(ctx),
    systemHandlers(ctx),
    runHandlers(ctx),
    evaluationHandlers(ctx),
    exportHandlers(ctx),
    duplicateHandlers(ctx),
    scaleOutHandlers(ctx),
  );
  return { ctx, dispatcher: new Dispatcher(table), close: () => ctx.close() };
}
