// Entry of the engine process when the desktop shell runs from its TypeScript sources: like the CLI,
// it registers tsx first. The desktop bundle starts out/main/engine.mjs instead, bundled from
// engine-main.ts (electron/build.mjs; engine/app-files.ts picks the entry).
import { register } from 'tsx/esm/api';

register();
await import('./engine-main.ts');
