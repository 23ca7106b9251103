import type { DecodeOutcome, DecodeTask } from './decode-task.ts';

/**
 * The messages between the import pool (prepare-pool.ts) and its worker threads
 * (prepare-worker-main.ts): what goes to a worker and what comes back; `id` pairs them. A worker
 * says `ready` once loaded. A leaf module, so that the worker never reaches the pool that starts it.
 */
export interface WorkerRequest {
  id: number;
  task: DecodeTask;
}
export type WorkerReply = { id: number; outcome: DecodeOutcome } | { ready: true };
