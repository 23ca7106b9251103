import { parentPort } from 'node:worker_threads';
import { runDecodeTask } from './decode-task.ts';
import type { WorkerReply, WorkerRequest } from './prepare-protocol.ts';

// One import worker thread: decodes the files the pool sends, one at a time, and answers with
// hashes and metadata (never pixels). runDecodeTask turns every problem with a file into an issue.
const port = parentPort;
if (port) {
  port.on('message', async (request: WorkerRequest) => {
    port.postMessage({ id: request.id, outcome: await runDecodeTask(request.task) } satisfies WorkerReply);
  });
  // Loaded (sharp, the decoders): the pool may send files now.
  port.postMessage({ ready: true } satisfies WorkerReply);
}
