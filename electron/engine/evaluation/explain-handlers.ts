import { z } from 'zod';
import { notFound, validation } from '../../../shared/contract/errors.ts';
import type { ExplainHandlers } from '../../../shared/contract/evaluation.ts';
import type { GradCamResult } from '../../../shared/domain/evaluation.ts';
import type { EngineContext } from '../context.ts';
import type { Implementation } from '../handler.ts';
import type { Explainer } from './explainer.ts';

/** Largest overlay side the viewer may ask for. */
const MAX_OVERLAY = 2048;

function intParam(query: URLSearchParams, name: string, required: boolean): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') {
    if (required) throw validation(`The Grad-CAM overlay needs ${name}=<number> in its URL.`);
    return undefined;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw validation(`${name}="${raw}" is not a whole number.`);
  return n;
}

/** `gradcam/<imageId>?run=ID&class=K&size=S`: the model's view of the image with the heatmap blended on. */
export function registerGradCamAsset(ctx: EngineContext, explainer: () => Promise<Explainer>): void {
  ctx.assets.register('gradcam', async (rest, query) => {
    if (!/^\d+$/.test(rest)) throw notFound(`There is no image "${rest}" in this project.`);
    const runId = intParam(query, 'run', true)!;
    const size = intParam(query, 'size', false) ?? 256;
    if (size < 1 || size > MAX_OVERLAY) throw validation(`size must be between 1 and ${MAX_OVERLAY} pixels; got ${size}.`);
    const body = await (await explainer()).overlay(runId, Number(rest), intParam(query, 'class', false), size);
    return { contentType: 'image/png', body, maxAge: 0 };
  });
}

export function explainHandlers(explainer: () => Promise<Explainer>): Implementation<ExplainHandlers> {
  return {
    'explain.gradcam': {
      schema: z.object({ runId: z.number().int().positive(), imageId: z.number().int().positive(), classIndex: z.number().int().min(0).optional() }),
      run: async ({ runId, imageId, classIndex }): Promise<GradCamResult> => {
        const { config, maps } = await (await explainer()).explain(runId, imageId, classIndex);
        return { runId, imageId, classIndex: maps.classIndex, className: config.classes[maps.classIndex], probs: maps.probs, grid: maps.grid, heatmap: maps.heatmap };
      },
    },
  };
}
