// Test double of prepare-worker.mjs: the real import worker, except that the thread dies (as after
// a decoder crash) when it is sent a file whose name contains "crash".
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

parentPort?.on('message', (m) => {
  if (m.task?.sourcePath.includes('crash')) process.exit(7);
});
register();
await import('../prepare-worker-main.ts');
