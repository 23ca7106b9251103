import type { HostArgs, HostResult } from '../../shared/contract/model-host.ts';
import { TrainerSession } from '../training/trainer/session.ts';
import type { ServiceContext } from './service.ts';

/** Fine-tune or run the LR range test: the trainer session, driven by the request's controls and cancel. */
export function train(args: HostArgs<'train'>, ctx: ServiceContext<'train'>): Promise<HostResult<'train'>> {
  const session = new TrainerSession((e) => ctx.emit(e));
  ctx.onControl((c) => session.handle(c));
  ctx.signal.addEventListener('abort', () => session.handle({ type: 'cancel' }), { once: true });
  return session.run(args);
}
