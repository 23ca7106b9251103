// `node --import ./register-fake-electron.mjs out/main/index.mjs` runs the real main bundle on a fake Electron.
import { register } from 'node:module';

register('./electron-hooks.mjs', import.meta.url);
