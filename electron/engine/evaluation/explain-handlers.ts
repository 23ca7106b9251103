import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { notFound, validation } from '../../../shared/contract/errors.ts';
import type { ExplainHandlers } from '../../../shared/contract/evaluation.ts';
import type { GradCamResult } from '../../../shared/domain/evaluation.ts';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import { type GradCamOutput, gradCam } from '../../training/explain/grad-cam.ts';
import type { EngineContext } from '../context.ts';
import { decodeFile } from '../datasets/decode/index.ts';
import type { Implementation } from '../handler.ts';
import { preprocessImage } from '../../training/preprocess/preprocess.ts';
import { type RunModel, bestCheckpointFile, loadRunModel } from './inference.ts';
import { renderOverlay } from './overlay.ts';

/** Largest overlay side the viewer may ask for. */
const MAX_OVERLAY = 2048;

/**
 * Grad-CAM for the viewer. The last run's model stays loaded (one at a time), so stepping through
 * images does not reload the checkpoint; a new best checkpoint is picked up by its path.
 */
export class Explainer {
  private cached: { key: string; model: Promise<RunModel> } | null = null;

  constructor(private readonly ctx: EngineContext) {}

  private model(runId: number): Promise<RunModel> {
    const project = this.ctx.project();
    const key = `${project.dir}\u0000${runId}\u0000${bestCheckpointFile(project.db, project.dir, runId)}`;
    if (this.cached?.key !== key) {
      const old = this.cached;
      this.cached = { key, model: loadRunModel(project.db, project.dir, runId) };
      this.cached.model.catch(() => (this.cached = null));
      void old?.model.then((m) => m.dispose(), () => {});
    }
    return this.cached.model;
  }

  /** The decoded image and its Grad-CAM for a class (default: the predicted one). */
  async explain(runId: number, imageId: number, classIndex?: number): Promise<{ m: RunModel; image: DecodedImage; cam: GradCamOutput; probs: number[] }> {
    const row = this.ctx.project().db.prepare('SELECT path, frame FROM images WHERE id = ?').get(imageId) as { path: string; frame: number } | undefined;
    if (!row) throw notFound(`There is no image ${imageId} in this project.`);
    const m = await this.model(runId);
    const classes = m.config.classes;
    if (classIndex !== undefined && classIndex >= classes.length) {
      throw validation(`Run ${runId} has ${classes.length} classes (0 to ${classes.length - 1}); class ${classIndex} does not exist.`);
    }
    const { frames } = await decodeFile(row.path, { frame: row.frame });
    const s = m.preprocess.size;
    const x = tf.tensor4d(preprocessImage(frames[0], m.preprocess), [1, s, s, 3]);
    try {
      const cam = gradCam(m.model.backbone, x, classIndex, m.model.forwardOptions);
      const probs = tf.tidy(() => {
        const logits = tf.tensor2d(cam.logits, [1, classes.length]);
        return Array.from((m.config.multiLabel ? tf.sigmoid(logits) : tf.softmax(logits)).dataSync());
      });
      return { m, image: frames[0], cam, probs };
    } finally {
      x.dispose();
    }
  }

  dispose(): void {
    void this.cached?.model.then((m) => m.dispose(), () => {});
    this.cached = null;
  }
}

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
export function registerGradCamAsset(ctx: EngineContext, explainer: Explainer): void {
  ctx.assets.register('gradcam', async (rest, query) => {
    if (!/^\d+$/.test(rest)) throw notFound(`There is no image "${rest}" in this project.`);
    const runId = intParam(query, 'run', true)!;
    const size = intParam(query, 'size', false) ?? 256;
    if (size < 1 || size > MAX_OVERLAY) throw validation(`size must be between 1 and ${MAX_OVERLAY} pixels; got ${size}.`);
    const { m, image, cam } = await explainer.explain(runId, Number(rest), intParam(query, 'class', false));
    const body = await renderOverlay(image, cam.heatmap, m.preprocess, size);
    return { contentType: 'image/png', body, maxAge: 0 };
  });
}

export function explainHandlers(ctx: EngineContext, explainer: Explainer): Implementation<ExplainHandlers> {
  return {
    'explain.gradcam': {
      schema: z.object({ runId: z.number().int().positive(), imageId: z.number().int().positive(), classIndex: z.number().int().min(0).optional() }),
      run: async ({ runId, imageId, classIndex }): Promise<GradCamResult> => {
        const { m, cam, probs } = await explainer.explain(runId, imageId, classIndex);
        const map = (c: GradCamOutput['grid']) => ({ width: c.width, height: c.height, values: Array.from(c.values) });
        return { runId, imageId, classIndex: cam.classIndex, className: m.config.classes[cam.classIndex], probs, grid: map(cam.grid), heatmap: map(cam.heatmap) };
      },
    },
  };
}
