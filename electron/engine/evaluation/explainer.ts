import { notFound, validation } from '../../../shared/contract/errors.ts';
import type { GradCamMaps } from '../../../shared/contract/model-host.ts';
import type { RunConfig } from '../../../shared/domain/run.ts';
import type { EngineContext } from '../context.ts';
import { ModelHost } from '../host/host-process.ts';
import { checkpointFile as bestCheckpointFile } from '../runs/checkpoint-file.ts';
import { getRun } from '../runs/store.ts';

/**
 * Grad-CAM for the viewer, computed by one model host kept for the open project: the host keeps the
 * last run's model loaded, so stepping through images does not reload the checkpoint. A host that
 * dies fails the requests it had; the next request starts a new one.
 */
export class Explainer {
  private host: ModelHost | null = null;

  constructor(private readonly ctx: EngineContext) {}

  private liveHost(): ModelHost {
    if (this.host) return this.host;
    const host = new ModelHost();
    void host.exited.then(() => {
      if (this.host === host) this.host = null;
    });
    return (this.host = host);
  }

  /** Grad-CAM of an image for a class (default: the predicted one), with the overlay PNG when `overlaySize` is given. */
  async explain(runId: number, imageId: number, classIndex?: number, overlaySize?: number): Promise<{ config: RunConfig; maps: GradCamMaps }> {
    const project = this.ctx.project();
    const image = project.db.prepare('SELECT id, path, frame FROM images WHERE id = ?').get(imageId) as { id: number; path: string; frame: number } | undefined;
    if (!image) throw notFound(`There is no image ${imageId} in this project.`);
    const { config } = getRun(project.db, runId);
    const classes = config.classes;
    if (classIndex !== undefined && classIndex >= classes.length) {
      throw validation(`Run ${runId} has ${classes.length} classes (0 to ${classes.length - 1}); class ${classIndex} does not exist.`);
    }
    const model = { runId, config, checkpoint: bestCheckpointFile(project.db, project.dir, runId) };
    const maps = await this.liveHost().request('gradcam', { model, image, classIndex, overlaySize }, { what: 'Grad-CAM' }).done;
    return { config, maps };
  }

  /**
   * Grad-CAM of a file that is not in the project ("try it"), on the same host, so a run's model
   * loaded for the viewer serves it too.
   */
  async explainFile(runId: number, path: string, overlaySize: number): Promise<{ config: RunConfig; maps: GradCamMaps }> {
    const project = this.ctx.project();
    const { config } = getRun(project.db, runId);
    const model = { runId, config, checkpoint: bestCheckpointFile(project.db, project.dir, runId) };
    // id 0: no project image has it; the host only names the id in its messages.
    const maps = await this.liveHost().request('gradcam', { model, image: { id: 0, path, frame: 0 }, overlaySize }, { what: 'Grad-CAM' }).done;
    return { config, maps };
  }

  /** The model's view of the image with the heatmap blended on, as PNG. */
  async overlay(runId: number, imageId: number, classIndex: number | undefined, size: number): Promise<Buffer> {
    const { maps } = await this.explain(runId, imageId, classIndex, size);
    return Buffer.from(maps.overlay!);
  }

  /** Let the host go (the project closed). */
  dispose(): void {
    this.host?.close();
    this.host = null;
  }
}
