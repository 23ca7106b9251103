// Entry of the trainer child process (child_process.fork) when the engine runs from its TypeScript
// sources (CLI, tests, browser mode): like the CLI, it registers tsx first, so the engine, the
// trainer and the tests share one code path. The desktop app's bundle forks out/main/trainer.mjs
// instead, bundled from trainer-main.ts (electron/build.mjs; engine/app-files.ts picks the entry).
import { register } from 'tsx/esm/api';

register();
await import('./trainer-main.ts');
