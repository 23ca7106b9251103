// Entry of the model host process (child_process.fork) when the engine runs from its TypeScript
// sources (CLI, tests, browser mode): like the CLI, it registers tsx first, so the engine, the host
// and the tests share one code path. The desktop app's bundle forks out/main/model-host.mjs instead,
// bundled from host-main.ts (electron/build.mjs; engine/app-files.ts picks the entry).
import { register } from 'tsx/esm/api';

register();
await import('./host-main.ts');
