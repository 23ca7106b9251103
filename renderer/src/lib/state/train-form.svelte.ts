import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { RunOptions } from '../../../../shared/contract/runs.ts';
import type { AlphaScheduleName, RunConfig, RunPlan, StrategyChoice } from '../../../../shared/domain/run.ts';

/** What the Train form edits; null means "let the engine choose" (it says what it chose in the plan). */
export interface TrainChoices {
  backbone: string;
  pretrained: boolean;
  strategy: StrategyChoice;
  epochs: number;
  imageSize: number | null;
  lr: number | null;
  batchSize: number | null;
  augment: boolean;
  horizontalFlip: boolean;
  auxSchedule: AlphaScheduleName | 'off';
  auxAlpha: number | null;
}

export const DEFAULT_CHOICES: TrainChoices = {
  backbone: 'resnet18',
  pretrained: false,
  strategy: 'auto',
  epochs: 10,
  imageSize: null,
  lr: null,
  batchSize: null,
  augment: true,
  horizontalFlip: false,
  auxSchedule: 'off',
  auxAlpha: null,
};

/** The arguments of `runs.plan` / `runs.start`: only what the user set, so the engine fills the rest. */
export function toRunOptions(c: TrainChoices): RunOptions {
  const o: RunOptions = { backbone: c.backbone, strategy: c.strategy, epochs: c.epochs, augment: c.augment, horizontalFlip: c.horizontalFlip };
  if (c.pretrained) o.pretrained = true;
  if (c.imageSize !== null) o.imageSize = c.imageSize;
  if (c.lr !== null) o.lr = c.lr;
  if (c.batchSize !== null) o.batchSize = c.batchSize;
  if (c.auxSchedule !== 'off') o.auxSchedule = c.auxSchedule;
  if (c.auxSchedule !== 'off' && c.auxAlpha !== null) o.auxAlpha = c.auxAlpha;
  return o;
}

/**
 * The form as a run was trained: shown again after a reload while it runs (or for the run the
 * window followed), instead of the defaults. A rate the LR range test found stays the engine's
 * choice, so planning these choices again tests again.
 */
export function choicesFromConfig(c: RunConfig): TrainChoices {
  return {
    backbone: c.backbone,
    pretrained: c.pretrained,
    strategy: c.strategy,
    epochs: c.epochs,
    imageSize: c.imageSize,
    lr: c.lrSearch ? null : c.lr,
    batchSize: c.batchSize,
    augment: c.augment,
    horizontalFlip: c.horizontalFlip,
    auxSchedule: c.aux?.schedule ?? 'off',
    auxAlpha: c.aux ? c.aux.alpha : null,
  };
}

/**
 * The Train form: the user's choices and the engine's plan for them, re-planned whenever a choice
 * changes. A plan that cannot be made (no splits, weights missing) is shown in place, not as a toast.
 */
export class TrainFormState {
  choices = $state<TrainChoices>({ ...DEFAULT_CHOICES });
  plan = $state<RunPlan | null>(null);
  planError = $state<string | null>(null);
  planning = $state(false);
  readonly options = $derived(toRunOptions(this.choices));
  private seq = 0;

  constructor(private readonly client: EngineClient) {}

  /** Ask for a plan of the current options; answers to older requests are dropped. */
  async replan(): Promise<void> {
    const mine = ++this.seq;
    const options = $state.snapshot(this.options);
    this.planning = true;
    try {
      const plan = await this.client.invoke('runs.plan', options);
      if (mine !== this.seq) return;
      this.plan = plan;
      this.planError = null;
    } catch (e) {
      if (mine !== this.seq) return;
      this.plan = null;
      this.planError = e instanceof Error ? e.message : String(e);
    } finally {
      if (mine === this.seq) this.planning = false;
    }
  }
}
