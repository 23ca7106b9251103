import type { EngineErrorData } from './errors.ts';
import type { JobEvents, JobHandlers } from './jobs.ts';
import type { ProjectHandlers } from './project.ts';
import type { ProjectInfo } from '../domain/project.ts';

export * from './errors.ts';
export type * from './jobs.ts';
export type * from './project.ts';

/**
 * The whole engine API: the intersection of one handler map per feature. Each transport (in-memory,
 * Electron IPC, WebSocket) carries exactly these methods. A feature adds its map here.
 */
export type Handlers =
  & ProjectHandlers
  & JobHandlers
  & import('./labels.ts').LabelHandlers
  & import('./images.ts').ImageHandlers
  & import('./splits.ts').SplitHandlers
  & import('./weights.ts').WeightsHandlers
  & import('./datasets.ts').DatasetHandlers
  & import('./system.ts').SystemHandlers
  & import('./runs.ts').RunHandlers
  & import('./runs.ts').ScaleOutHandlers
  & import('./evaluation.ts').EvaluationHandlers
  & import('./exports.ts').ExportHandlers
  & import('./duplicates.ts').DuplicateHandlers;

export type Method = keyof Handlers & string;
export type Args<M extends Method> = Parameters<Handlers[M]>[0];
export type Result<M extends Method> = Awaited<ReturnType<Handlers[M]>>;

/** Events pushed from the engine to every connected client. A feature adds its event map here. */
export interface Events extends JobEvents {
  /** The open project changed (opened, closed, renamed, counts moved). */
  'project.changed': ProjectInfo | null;
  /** Labels of these images changed (set, undo, redo, class merge or delete), with the count delta where known. */
  'labels.changed': import('./labels.ts').LabelEvents['labels.changed'];
  /** Images were excluded or included, with the count delta. */
  'images.excluded': import('./images.ts').ImageEvents['images.excluded'];
  /** A training run advanced (steps, epoch ends, pauses, the end). */
  'run.progress': import('./runs.ts').RunEvents['run.progress'];
}
export type EventName = keyof Events & string;

/** What every transport offers the renderer, the CLI and tests alike. */
export interface EngineClient {
  invoke<M extends Method>(method: M, args: Args<M>): Promise<Result<M>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** URL under which the engine serves a file such as `thumb/42` (protocol in Electron, HTTP in browser mode). */
  assetUrl(path: string): string;
}

/** Messages on the wire (WebSocket and IPC share them). */
export interface RequestMessage {
  id: number;
  method: string;
  args: unknown;
}
export type ResponseMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: EngineErrorData };
export interface EventMessage {
  event: string;
  payload: unknown;
}

/** IPC channel names: the preload bridge allows these and nothing else. */
export const IPC_INVOKE_CHANNEL = 'engine:invoke';
export const IPC_EVENT_CHANNEL = 'engine:event';
export const IPC_CHANNELS = [IPC_INVOKE_CHANNEL, IPC_EVENT_CHANNEL] as const;
