import * as tf from '@tensorflow/tfjs';
import { notFound, validation } from '../../../shared/contract/errors.ts';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import { type GradCamOutput, gradCam } from '../../training/explain/grad-cam.ts';
import type { EngineContext } from '../context.ts';
import { decodeFile } from '../datasets/decode/index.ts';
import { preprocessImage } from '../../training/preprocess/preprocess.ts';
import { type RunModel, loadRunModel } from '../../model-host/inference.ts';
import { checkpointFile as bestCheckpointFile } from '../runs/checkpoint-file.ts';
import { getRun } from '../runs/store.ts';
import { renderOverlay } from './overlay.ts';

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
      this.cached = { key, model: loadRunModel({ runId, config: getRun(project.db, runId).config, checkpoint: bestCheckpointFile(project.db, project.dir, runId) }) };
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

  /** The model's view of the image with the heatmap blended on, as PNG. */
  async overlay(runId: number, imageId: number, classIndex: number | undefined, size: number): Promise<Buffer> {
    const { m, image, cam } = await this.explain(runId, imageId, classIndex);
    return renderOverlay(image, cam.heatmap, m.preprocess, size);
  }

  dispose(): void {
    void this.cached?.model.then((m) => m.dispose(), () => {});
    this.cached = null;
  }
}

