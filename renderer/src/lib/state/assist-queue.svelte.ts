import type { Prediction, PredictionSort } from '../../../../shared/domain/evaluation.ts';
import type { EngineClient } from '../../../../shared/contract/index.ts';
import { CompletedRunsState } from './completed-runs.svelte.ts';
import { SESSION_ID } from './session.ts';
import { stepHistory } from './undo-step.ts';

/** What became of one image of the queue: the model's guess taken, or a class the person chose. */
export interface QueueDecision {
  imageId: number;
  className: string;
  source: 'model' | 'human';
}

/** Predictions fetched per page; the queue fetches the next page when it runs out. */
const PAGE = 50;

/**
 * "Label with the model": a run's predictions of unlabelled images, most uncertain first (the
 * engine's entropy / margin ranking). The current item's guess is pre-selected; accepting records
 * it with source `model` (predict.accept), a correction is a human label (labels.set). Both are
 * this window's (session's) actions: its Ctrl+Z takes them back, another window's does not.
 */
export class AssistQueue extends CompletedRunsState {
  sort = $state<PredictionSort>('entropy');
  classes = $state<string[]>([]);
  items = $state<Prediction[]>([]);
  /** Unlabelled images the run has a prediction for, before this session's decisions. */
  total = $state(0);
  decisions = $state<QueueDecision[]>([]);
  /** A predict job under way: its progress message. */
  predicting = $state<string | null>(null);
  busy = $state(false);
  readonly current = $derived(this.items[0] ?? null);
  private predictJob: string | null = null;
  /** The write under way (accept, correct, undo, redo); the next one starts after it. */
  private pending: Promise<void> = Promise.resolve();

  constructor(
    client: EngineClient,
    onError: (e: unknown) => void,
    /** Asks before undoing a bulk label of this window (made in the Dataset view); the view passes a confirm dialog. */
    private readonly ask: (question: string) => boolean | Promise<boolean> = () => false,
    private readonly session: string = SESSION_ID,
  ) {
    super(client, onError);
  }

  /** Load the runs and follow a predict job's progress; returns the unsubscribe function. */
  start(): () => void {
    const off = this.client.on('job.progress', (p) => {
      if (p.jobId === this.predictJob) this.predicting = `${p.message} (${p.done}${p.total ? ` of ${p.total}` : ''})`;
    });
    void this.loadRuns();
    return off;
  }

  async select(runId: number, sort: PredictionSort = this.sort): Promise<void> {
    [this.runId, this.sort, this.items, this.decisions] = [runId, sort, [], []];
    await this.refill();
  }

  /** Predict the project's unlabelled images with the chosen run, then show the queue. */
  async predict(): Promise<void> {
    const runId = this.runId;
    if (runId === null || this.predicting !== null) return;
    this.predicting = 'Starting';
    try {
      const { jobId } = await this.client.invoke('predict.start', { runId, scope: 'unlabeled' });
      this.predictJob = jobId;
      const end = await this.client.invoke('job.wait', { jobId });
      if (end.status !== 'completed') throw new Error(end.error?.message ?? `The prediction ended ${end.status}.`);
      if (this.runId === runId) await this.select(runId);
    } catch (e) {
      this.onError(e);
    } finally {
      [this.predicting, this.predictJob] = [null, null];
    }
  }

  /** Take the model's guess for the current image (label source `model`). */
  accept(): Promise<void> {
    return this.serial(async () => {
      const item = this.current;
      if (!item || this.runId === null) return;
      const accept = { runId: this.runId, imageIds: [item.imageId], session: this.session };
      await this.decide(item, item.predictedName, 'model', () => this.client.invoke('predict.accept', accept));
    });
  }

  /** Label the current image with another class of the run (a human label). */
  correct(className: string): Promise<void> {
    return this.serial(async () => {
      const item = this.current;
      if (!item) return;
      await this.decide(item, className, 'human', async () => {
        const main = (await this.client.invoke('labels.tasks', {})).find((t) => t.role === 'main');
        const cls = main?.classes.find((c) => c.name === className);
        if (!cls) throw new Error(`The class "${className}" of this run is no longer in the project (renamed or deleted); label this image in the Dataset view.`);
        await this.client.invoke('labels.set', { imageIds: [item.imageId], classIds: [cls.id], source: 'human', session: this.session });
      });
    });
  }

  /**
   * Ctrl+Z: take back this window's last label action (an accepted guess: "model label of 1
   * image"); the image it unlabelled comes back into the queue.
   */
  undo(): Promise<void> {
    return this.serial(() => this.step('labels.undo'));
  }

  /** Ctrl+Shift+Z / Ctrl+Y: bring back what undo took back. */
  redo(): Promise<void> {
    return this.serial(() => this.step('labels.redo'));
  }

  /**
   * Keys pressed while a write is under way wait their turn rather than being lost: Ctrl+Z twice
   * takes back two actions, and an undo never overtakes the accept before it.
   */
  private serial(work: () => Promise<void>): Promise<void> {
    const next = this.pending.then(work);
    this.pending = next.catch(() => undefined);
    return next;
  }

  private async step(method: 'labels.undo' | 'labels.redo'): Promise<void> {
    this.busy = true;
    try {
      const taken = await stepHistory(this.client, method, { session: this.session, ask: this.ask });
      if (!taken?.change.step) return;
      const touched = new Set(taken.change.changed.map((c) => c.imageId));
      if (method === 'labels.undo') this.decisions = this.decisions.filter((d) => !touched.has(d.imageId));
      await this.refill();
    } catch (e) {
      this.onError(e);
    } finally {
      this.busy = false;
    }
  }

  /** Leave the current image for later: it moves to the end of the loaded queue. */
  skip(): void {
    if (this.items.length > 1) this.items = [...this.items.slice(1), this.items[0]];
  }

  private async decide(item: Prediction, className: string, source: QueueDecision['source'], write: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    try {
      await write();
      this.decisions = [{ imageId: item.imageId, className, source }, ...this.decisions];
      this.items = this.items.filter((i) => i.imageId !== item.imageId);
      if (this.items.length === 0) await this.refill();
    } catch (e) {
      this.onError(e);
    } finally {
      this.busy = false;
    }
  }

  /** The most uncertain predictions of images still unlabelled (labelled ones leave the engine's list by themselves). */
  private async refill(): Promise<void> {
    const runId = this.runId;
    if (runId === null) return;
    try {
      const page = await this.client.invoke('predict.list', { runId, sort: this.sort, scope: 'unlabeled', limit: PAGE });
      if (runId !== this.runId) return;
      [this.classes, this.items, this.total] = [page.classes, page.items, page.total];
    } catch (e) {
      this.onError(e);
    }
  }
}
