// Preloaded (--import) into the fake Electron's utility processes: `process.parentPort` as Electron
// gives it, over the IPC channel of child_process.fork. Only the process the fake forked gets it
// (FAKE_PARENT_PORT); the children it forks in turn inherit this flag but not the variable.
if (process.env.FAKE_PARENT_PORT === '1' && process.send) {
  delete process.env.FAKE_PARENT_PORT;
  const send = process.send.bind(process);
  process.parentPort = {
    postMessage: (message) => void send(message),
    on(event, listener) {
      if (event === 'message') process.on('message', (data) => listener({ data, ports: [] }));
      return this;
    },
  };
  // Electron ends a utility process with its parent; the IPC channel closing says the parent is gone.
  process.on('disconnect', () => process.exit(1));
}
