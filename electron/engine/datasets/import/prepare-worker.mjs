// Entry of an import worker thread (prepare-pool.ts) when the engine runs from its TypeScript
// sources (CLI, tests, browser mode): like the CLI and the trainer, it registers tsx first. The
// desktop app's bundle starts out/main/prepare-worker.mjs instead, bundled from prepare-worker-main.ts.
import { register } from 'tsx/esm/api';

register();
await import('./prepare-worker-main.ts');
