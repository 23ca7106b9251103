// Preloaded into trainer processes by trainer-kill.test.ts (NODE_OPTIONS=--import): the checkpoint
// crash hook's process.exit(70) becomes a real kill -9, so no exit handler or stream flush runs.
const exit = process.exit.bind(process);
process.exit = (code) => {
  if (code === 70 && process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH) {
    process.kill(process.pid, 'SIGKILL');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000); // nothing runs until the signal lands
  }
  return exit(code);
};
