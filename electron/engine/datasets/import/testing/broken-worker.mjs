// Test double of prepare-worker.mjs: a worker that fails while loading (a broken build).
throw new Error('this worker entry is broken on purpose');
