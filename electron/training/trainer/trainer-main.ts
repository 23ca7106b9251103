import { isEngineError } from '../../../shared/contract/errors.ts';
import type { EngineToTrainer, TrainerToEngine } from './protocol.ts';
import { TrainerSession, failure } from './session.ts';

/**
 * The trainer child process: waits for `start`, trains, reports over IPC and exits. If the engine
 * goes away (disconnect), training stops too: nobody would record its results.
 */
function send(m: TrainerToEngine): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

// IPC keeps order, so awaiting the last send's callback means every report has left.
let lastSend: Promise<void> = Promise.resolve();
const session = new TrainerSession((m) => {
  lastSend = send(m);
});

process.on('message', (raw) => {
  const msg = raw as EngineToTrainer;
  if (msg.type !== 'start') return session.handle(msg);
  session.run(msg).then(
    async () => {
      await lastSend;
      process.exit(0);
    },
    async (e: unknown) => {
      await send(isEngineError(e) && e.code === 'cancelled' ? { type: 'cancelled' } : failure(e));
      process.exit(isEngineError(e) && e.code === 'cancelled' ? 0 : 1);
    },
  );
});
process.on('disconnect', () => process.exit(0));
