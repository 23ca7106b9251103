// Entry of the engine process: Electron's main process starts it with utilityProcess.fork
// (electron/main/engine-relay.ts), from out/main/engine.mjs (electron/build.mjs). The database,
// import decoding and every job run here, off the thread that draws the window.
import { sqliteBuildProblem } from '../db/sqlite-binding.mjs';
import { createEngine } from '../engine.ts';
import { usePrivateUmask } from '../projects/paths.ts';
import { type ParentPort, serveParentPort } from './serve-parent-port.ts';

const port = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
if (!port) {
  console.error('The LabelTune engine process must be started by the desktop app (Electron utilityProcess.fork); it has no parent port.');
  process.exit(2);
}

usePrivateUmask(); // projects hold patient data: whatever this process or its model hosts write is private
// Said before the window opens, not as a NODE_MODULE_VERSION error at the first project opened.
const problem = sqliteBuildProblem();
if (problem) {
  port.postMessage({ kind: 'fatal', message: problem });
  setTimeout(() => process.exit(1), 5000); // main quits first; this is in case it does not
} else {
  serveParentPort(port, createEngine(), (code) => process.exit(code));
}
