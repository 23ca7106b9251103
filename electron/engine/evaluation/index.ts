import type { EvaluationHandlers } from '../../../shared/contract/evaluation.ts';
import type { EngineContext } from '../context.ts';
import type { Implementation } from '../handler.ts';
import { explainHandlers, registerGradCamAsset } from './explain-handlers.ts';
import type { Explainer } from './explainer.ts';
import { evalHandlers } from './handlers.ts';
import { predictHandlers } from './predict-handlers.ts';
import { tryItHandlers } from './try-it.ts';

/** Evaluation, Grad-CAM (handler and `gradcam/` overlay asset), model-assisted labelling and trying a run on new files. */
export function evaluationHandlers(ctx: EngineContext): Implementation<EvaluationHandlers> {
  // Grad-CAM's model host starts with the first request, not with the engine.
  let explainer: Promise<Explainer> | null = null;
  const getExplainer = () => (explainer ??= import('./explainer.ts').then((m) => new m.Explainer(ctx)));
  // The Grad-CAM host (and the model it keeps) belongs to the open project: let it go when the project closes.
  ctx.events.subscribe((event, payload) => {
    if (event === 'project.changed' && payload === null) void explainer?.then((e) => e.dispose());
  });
  registerGradCamAsset(ctx, getExplainer);
  return { ...evalHandlers(ctx), ...explainHandlers(getExplainer), ...predictHandlers(ctx), ...tryItHandlers(ctx, getExplainer) };
}
