import type { EvaluationHandlers } from '../../../shared/contract/evaluation.ts';
import type { EngineContext } from '../context.ts';
import type { Implementation } from '../handler.ts';
import { Explainer, explainHandlers, registerGradCamAsset } from './explain-handlers.ts';
import { evalHandlers } from './handlers.ts';
import { predictHandlers } from './predict-handlers.ts';

/** Evaluation, Grad-CAM (handler and `gradcam/` overlay asset) and model-assisted labelling. */
export function evaluationHandlers(ctx: EngineContext): Implementation<EvaluationHandlers> {
  const explainer = new Explainer(ctx);
  // The cached Grad-CAM model belongs to the open project: free it when the project closes.
  ctx.events.subscribe((event, payload) => {
    if (event === 'project.changed' && payload === null) explainer.dispose();
  });
  registerGradCamAsset(ctx, explainer);
  return { ...evalHandlers(ctx), ...explainHandlers(ctx, explainer), ...predictHandlers(ctx) };
}

export { loadRunModel, predictImages, probabilities, type RunModel } from './inference.ts';
