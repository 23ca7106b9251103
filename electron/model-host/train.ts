import type { HostArgs, HostResult } from '../../shared/contract/model-host.ts';
import { TrainerSession } from '../training/trainer/session.ts';
import { precomputeFeatures } from './feature-pass.ts';
import type { ServiceContext } from './service.ts';

/** Fine-tune or run the LR range test: the trainer session, driven by the request's controls and cancel. */
export function train(args: HostArgs<'train'>, ctx: ServiceContext<'train'>): Promise<HostResult<'train'>> {
  // The frozen features `top` caches are computed once on onnxruntime; training steps stay on TF.js.
  const session = new TrainerSession((e) => ctx.emit(e), (tuner, onProgress, gate) => precomputeFeatures(tuner, { onProgress, gate }));
  ctx.onControl((c) => session.handle(c));
  ctx.signal.addEventListener('abort', () => session.handle({ type: 'cancel' }), { once: true });
  return session.run(args);
}
