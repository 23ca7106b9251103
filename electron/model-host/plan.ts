import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { validation } from '../../shared/contract/errors.ts';
import type { RunOptions } from '../../shared/contract/runs.ts';
import { type BackendRung, isBackendRung } from '../../shared/contract/system.ts';
import type { LrSearch, RunConfig, RunPlan, StrategyName } from '../../shared/domain/run.ts';
import { backboneLayout, configOf } from '../training/backbones/configs.ts';
import { architectureConfig, pretrainedConfig } from '../training/backbones/pretrained.ts';
import { classWeightsFromCounts, positiveWeightsFromCounts } from '../training/finetune/losses.ts';
import {
  type MemoryInput, bufferLimitedBatch, cachedRunSeconds, describeSeconds, fullRunSeconds, gflopsAt, largestBatch, largestBufferFloatsPerImage, memoryBudgetMb,
  secondsAtPace, stepMemoryMb,
} from '../training/finetune/budget.ts';
import { ADAPTER_SHARE } from '../training/finetune/extensions.ts';
import { GRADUAL_SHARE } from '../training/finetune/gradual.ts';
import { groupLearningRates, lrRule } from '../training/finetune/lr.ts';
import { autoStrategy, plannedExtension, strategyRules, trainableSummary } from '../training/finetune/strategies.ts';
import { strategyOptions } from '../training/trainer/model.ts';
import { WeightCache } from '../weights/cache.ts';
import { NATIVE_MODULES } from '../training/backends/ladder.ts';
import { nodeSystemProbe } from '../training/backends/system-probe.ts';
import { type AdapterProbe, probeAdapter } from '../training/backends/webgpu-adapter.ts';
import type { WebGpuAdapter } from '../../shared/contract/system.ts';
import type { MeasuredPace, PaceRecord, RunData } from '../../shared/contract/model-host.ts';

/** The pace an earlier run measured on `rung` for this plan's backbone, strategy and size, if any. */
export type PaceLookup = (rung: BackendRung) => MeasuredPace | null;

/** The lookup over the paces the engine read from the project, for a resolved config. */
export function paceLookup(config: RunConfig, paces: readonly PaceRecord[]): PaceLookup {
  return (rung) => {
    const p = paces.find((r) => r.backbone === config.backbone && r.strategy === config.strategy && r.imageSize === config.imageSize && r.backend === rung);
    return p ? { runId: p.runId, imagesPerSec: p.imagesPerSec } : null;
  };
}

/** The architecture's family; an unknown name is refused with the list of known ones. */
function family(backbone: string): 'resnet' | 'vit' {
  return configOf(backbone).family;
}

/** Forward GFLOPs of one image at `size`. */
function gflops(backbone: string, size: number): number {
  const cfg = architectureConfig(backbone);
  return gflopsAt(cfg.gflops, cfg.inputSize, size);
}

/**
 * The rung a run will most likely train on, for time estimates: the one asked for, else the
 * fastest native package installed, else wasm. (The trainer picks the real one and reports it.)
 */
function expectedRung(asked: string | undefined): BackendRung {
  if (isBackendRung(asked)) return asked;
  if (nodeSystemProbe.resolveModule(NATIVE_MODULES['tfjs-node-gpu'])) return 'tfjs-node-gpu';
  const gpu = webgpuAdapter();
  if (gpu && !gpu.software) return 'webgpu';
  if (nodeSystemProbe.resolveModule(NATIVE_MODULES['tfjs-node'])) return 'tfjs-node';
  return 'wasm';
}

let probed: AdapterProbe | null = null;

/** The WebGPU adapter Dawn offers here (asked once per host process), or null. */
function webgpuAdapter(): WebGpuAdapter | null {
  probed ??= probeAdapter(nodeSystemProbe);
  return probed.ok ? probed.adapter : null;
}

/** The largest batch whose biggest buffer the WebGPU adapter accepts (Infinity off webgpu or without an adapter). */
function adapterBatchCap(backbone: string, size: number, rung: BackendRung): { cap: number; adapter: WebGpuAdapter | null } {
  const adapter = rung === 'webgpu' ? webgpuAdapter() : null;
  if (!adapter) return { cap: Infinity, adapter };
  const arch = configOf(backbone);
  const vit = arch.family === 'vit' ? arch.config : undefined;
  return { cap: bufferLimitedBatch(largestBufferFloatsPerImage(family(backbone), size, vit), adapter.limits), adapter };
}

/** What one training step of `strategy` holds in memory, per the backbone's measured figures. */
function memoryInput(backbone: string, strategy: StrategyName, size: number): MemoryInput {
  const cfg = architectureConfig(backbone);
  return {
    paramsMillions: cfg.paramsMillions,
    mbPerImage: cfg.trainMbPerImage * (size / cfg.inputSize) ** 2,
    throughBody: strategy !== 'top' && strategy !== 'linear',
    trainsBody: strategy === 'full' || strategy === 'gradual',
  };
}

const DEFAULT_BATCH = 16;
const gb = (mb: number) => `${(mb / 1000).toFixed(1)} GB`;

/**
 * The batch size: the user's, if it fits the rung's memory (else refused with the largest that
 * fits), or the largest power of two up to 16 that fits. Nothing fitting is refused with what to lower.
 */
function fittingBatch(opts: RunOptions, strategy: StrategyName, size: number, rung: BackendRung): number {
  const m = memoryInput(opts.backbone, strategy, size);
  const { cap, adapter } = adapterBatchCap(opts.backbone, size, rung);
  const budget = memoryBudgetMb(rung, totalmem() / 1e6, adapter?.software);
  const wanted = opts.batchSize ?? DEFAULT_BATCH;
  if (opts.batchSize !== undefined && opts.batchSize > cap) {
    const mib = Math.min(adapter!.limits.maxBufferSize, adapter!.limits.maxStorageBufferBindingSize) / 2 ** 20;
    throw validation(`Batch ${opts.batchSize} of ${opts.backbone} at ${size} px needs GPU buffers larger than this WebGPU adapter allows (${mib.toFixed(0)} MiB per buffer, ${adapter!.description || adapter!.device}): use batch ${cap} or lower, or a smaller image size.`);
  }
  const fits = Math.min(largestBatch(m, wanted, budget), cap);
  const where = `on ${rung} (${gb(budget)} usable)`;
  if (fits === 0) {
    throw validation(`${opts.backbone} at ${size} px needs about ${gb(stepMemoryMb(m, 1))} to train even one image with ${strategy} ${where}: lower the image size, pick a smaller backbone, or use the top or linear strategy.`);
  }
  if (opts.batchSize !== undefined && fits < opts.batchSize) {
    throw validation(`Batch ${opts.batchSize} of ${opts.backbone} at ${size} px with ${strategy} needs about ${gb(stepMemoryMb(m, opts.batchSize))} ${where}: use batch ${fits} or lower, or a smaller image size.`);
  }
  return fits;
}

/** The batch a run of `backbone` with `strategy` at `size` px gets on `rung` when the user sets none (what `npm run bench gpu` trains at). */
export function plannedBatchSize(backbone: string, strategy: StrategyName, size: number, rung: BackendRung): number {
  return fittingBatch({ backbone }, strategy, size, rung);
}

function defaultImageSize(backbone: string): number {
  return architectureConfig(backbone).inputSize;
}

/** The weights file a run starts from: an explicit file, the pretrained cache, or none. */
function resolveWeights(opts: RunOptions, homeDir: string): string | null {
  if (opts.weights) {
    const abs = resolve(opts.weights);
    if (!existsSync(abs)) throw validation(`The weights file ${abs} does not exist. Check the path, or use --pretrained.`);
    return abs;
  }
  if (!opts.pretrained) return null;
  if (!architectureConfig(opts.backbone).offered) {
    throw validation(`${opts.backbone} is a test configuration without pretrained weights: train it from scratch (without --pretrained), or pass --weights FILE.`);
  }
  const w = pretrainedConfig(opts.backbone).weights;
  const entry = WeightCache.forHome(homeDir).get(w.repo, w.file);
  if (!entry) {
    throw validation(`The pretrained weights of ${opts.backbone} are not downloaded yet. Download them first ("labeltune weights download ${opts.backbone}"), or pass --weights FILE.`);
  }
  return WeightCache.forHome(homeDir).pathFor(w.repo, w.file);
}

/**
 * The automatic LR range test, where it is cheap: on cached features (linear, no augmentation:
 * a step costs next to nothing) or when its steps are under a tenth of the run's. Its suggestion
 * is kept within a factor of 3 of the rule's head rate: a noisy curve on a few hundred images
 * must not send a run to 1e-5 or 1.
 */
function lrSearchFor(headLr: number, cachedFeatures: boolean, stepsInRun: number): LrSearch | null {
  if (!cachedFeatures && LR_SEARCH_STEPS > LR_SEARCH_SHARE * stepsInRun) return null;
  return { steps: LR_SEARCH_STEPS, low: headLr / 3, high: headLr * 3 };
}

function describeLrSearch(search: LrSearch | null, stepsInRun: number): string {
  const lr = (x: number) => x.toExponential(1).replace('.0e', 'e');
  if (search) return `Before training, a ${search.steps}-step LR range test picks the new parts' rate within ${lr(search.low)}-${lr(search.high)} (the body keeps its ratio).`;
  return `No LR range test: its ${LR_SEARCH_STEPS} steps would add ${Math.round((100 * LR_SEARCH_STEPS) / Math.max(1, stepsInRun))}% to this run (\`labeltune lr-find\` runs one on its own).`;
}

/** Steps of the automatic range test, and the largest share of the run's steps it may add. */
export const LR_SEARCH_STEPS = 100;
const LR_SEARCH_SHARE = 0.1;

/**
 * Above this head rate, bottleneck adapters after every block of a 12-block ViT made the residual
 * stream grow without bound in our measurements (vit_tiny, AdamW: 0.05 → 1e12 and chance accuracy,
 * 0.02 → 0.667, 0.009 recovered): each adapter's bias moves by about the rate per step.
 */
export const ADAPTER_VIT_MAX_LR = 0.01;

/** A sentence for the plan when the user's own rate is where ViT adapters diverged; null otherwise. */
export function adapterRateCaution(strategy: StrategyName, fam: string, lr: number | undefined): string | null {
  if (strategy !== 'adapter' || fam !== 'vit' || lr === undefined || lr < ADAPTER_VIT_MAX_LR) return null;
  return `Caution: adapters on a ViT at ${lr} diverged in our measurements from about ${ADAPTER_VIT_MAX_LR} up (the run stays near chance); leave the rate empty to use the ViT rule, or set it below ${ADAPTER_VIT_MAX_LR}.`;
}

/** Resolve user options against the project's data into a full RunConfig (no model built). */
export function resolveConfig(opts: RunOptions, data: RunData, homeDir: string): RunConfig {
  const fam = family(opts.backbone);
  const labelled = data.manifest.train.length + data.manifest.val.length;
  const weights = resolveWeights(opts, homeDir);
  const fromPretrained = weights !== null;
  const imageSize = opts.imageSize ?? defaultImageSize(opts.backbone);
  const epochs = opts.epochs ?? 10;
  const rung = expectedRung(opts.backend);
  const fullSeconds = fullRunSeconds({ gflops: gflops(opts.backbone, imageSize), trainImages: data.manifest.train.length, valImages: data.manifest.val.length, epochs, rung });
  const auto = autoStrategy(labelled, fam, { pretrained: fromPretrained, fullSeconds, rung });
  const strategy: StrategyName = !opts.strategy || opts.strategy === 'auto' ? auto.strategy : opts.strategy;
  const reason = !opts.strategy || opts.strategy === 'auto' ? auto.reason : `Chosen by the user (auto would pick ${auto.strategy}).`;
  const batchSize = fittingBatch(opts, strategy, imageSize, rung);
  const rates = lrRule({ arch: opts.backbone, family: fam, fromPretrained, headLr: opts.lr, bodyLr: opts.bodyLr, layerDecay: opts.layerDecay });
  const total = data.manifest.train.length;
  const weighting = opts.classWeights ?? 'auto';
  const classWeights = weighting === 'off' ? null : data.multiLabel
    ? positiveWeightsFromCounts(data.trainCounts, total, weighting === 'on')
    : classWeightsFromCounts(data.trainCounts, weighting === 'on');
  // linear and top default to no augmentation: most of their forward pass is a frozen prefix whose
  // features are computed once and cached. Every other strategy recomputes it anyway.
  const augment = opts.augment ?? !(strategy === 'linear' || strategy === 'top');
  const stepsInRun = epochs * Math.max(1, Math.floor(total / batchSize));
  // The rule's rates were measured for pretrained weights; a rate the user set, or a from-scratch run, is not second-guessed.
  const searchable = opts.lr === undefined && opts.lrSearch !== false && fromPretrained;
  const lrSearch = searchable ? lrSearchFor(rates.headLr, strategy === 'linear' && !augment, stepsInRun) : null;
  return {
    backbone: opts.backbone,
    weights,
    pretrained: opts.pretrained === true,
    strategy,
    strategyReason: reason,
    imageSize,
    epochs,
    batchSize,
    lr: rates.headLr,
    bodyLr: rates.bodyLr,
    lrNote: [searchable ? `${rates.note} ${describeLrSearch(lrSearch, stepsInRun)}` : rates.note, adapterRateCaution(strategy, fam, opts.lr)].filter(Boolean).join(' '),
    lrSearch,
    layerDecay: rates.layerDecay,
    weightDecay: opts.weightDecay ?? 0.01,
    warmupFraction: 0.05,
    gradualEvery: opts.gradualEvery ?? 0,
    unfreezeShare: opts.unfreezeShare ?? GRADUAL_SHARE,
    seed: opts.seed ?? Math.floor(Math.random() * 2 ** 31),
    multiLabel: data.multiLabel,
    classes: data.classes,
    classWeights,
    labelSmoothing: opts.labelSmoothing ?? 0,
    aux: opts.auxSchedule && data.aux ? { ...data.aux, schedule: opts.auxSchedule, alpha: opts.auxAlpha ?? 1 } : null,
    augment,
    horizontalFlip: opts.horizontalFlip ?? false,
    adapterShare: ADAPTER_SHARE,
    resize: opts.resize ?? 'crop',
    patience: opts.patience ?? 5,
    backend: opts.backend ?? null,
  };
}

/** The parameters the run's model will have, counted from the architecture's shapes: no weight is allocated. */
export function countPlanned(config: RunConfig): { trainableParams: number; totalParams: number; groups: string[]; learningRates: Record<string, number> } {
  const layout = backboneLayout(config.backbone, { numClasses: config.classes.length, imageSize: config.imageSize });
  const opts = strategyOptions(config);
  const s = trainableSummary(layout, strategyRules(config.strategy, layout, opts), config.epochs, plannedExtension(config.strategy, layout, opts));
  // The auxiliary head (and the learned log-variances) train alongside, at the head's LR.
  const auxClasses = config.aux?.classes.length ?? 0;
  const aux = config.aux ? layout.featureDim * auxClasses + auxClasses + (config.aux.schedule === 'uncertainty' ? 2 : 0) : 0;
  const groups = config.aux ? [...s.groups, 'aux_head', ...(config.aux.schedule === 'uncertainty' ? ['multitask'] : [])] : s.groups;
  const peak = groupLearningRates(layout.groups, config.lr, config.bodyLr, config.layerDecay);
  const learningRates = Object.fromEntries(groups.map((g) => [g, peak[g] ?? config.lr]));
  return { trainableParams: s.trainableParams + aux, totalParams: s.totalParams + aux, groups, learningRates };
}

/** The plan the user confirms: counts from shapes (the model host confirms them when it builds the model), rates, estimate. */
export function planRun(config: RunConfig, data: RunData, pace: PaceLookup = () => null): RunPlan {
  const counts = countPlanned(config);
  return {
    strategy: config.strategy,
    reason: config.strategyReason,
    trainableParams: counts.trainableParams,
    totalParams: counts.totalParams,
    trainableShare: counts.trainableParams / counts.totalParams,
    trainableGroups: counts.groups,
    lr: config.lr,
    lrNote: config.lrNote,
    learningRates: counts.learningRates,
    trainImages: data.manifest.train.length,
    valImages: data.manifest.val.length,
    classCounts: Object.fromEntries(data.classes.map((c, i) => [c, data.trainCounts[i]])),
    estimate: estimate(config, data, pace),
    config,
  };
}

/** Rough duration of the planned run on the rung it will most likely use. */
function estimate(config: RunConfig, data: RunData, pace: PaceLookup): RunPlan['estimate'] {
  const rung = expectedRung(config.backend ?? undefined);
  const input = { gflops: gflops(config.backbone, config.imageSize), trainImages: data.manifest.train.length, valImages: data.manifest.val.length, epochs: config.epochs, rung };
  // linear and top compute the frozen prefix once; the rest pay a forward and a backward pass through (nearly) all of it every step.
  const cached = config.strategy === 'linear' || config.strategy === 'top';
  const measured = pace(rung);
  const seconds = measured
    ? secondsAtPace(measured.imagesPerSec, input.trainImages, input.valImages, config.epochs)
    : cached ? cachedRunSeconds(input, config.strategy === 'top' ? 0.1 : 0) : fullRunSeconds(input);
  const source = measured
    ? `measured: run #${measured.runId} trained ${measured.imagesPerSec.toFixed(1)} images/s here`
    : `a rough estimate from the model's GFLOPs; the monitor's ETA is measured from the first steps`;
  const m = memoryInput(config.backbone, config.strategy, config.imageSize);
  const peakMb = stepMemoryMb(m, config.batchSize);
  const budgetMb = memoryBudgetMb(rung, totalmem() / 1e6, rung === 'webgpu' ? webgpuAdapter()?.software : false);
  const full = config.batchSize < DEFAULT_BATCH ? ` (batch ${DEFAULT_BATCH} would need about ${gb(stepMemoryMb(m, DEFAULT_BATCH))})` : '';
  return {
    seconds,
    rung,
    source: measured ? 'measured' : 'gflops',
    text: `${describeSeconds(seconds)} on ${rung} (${source})`,
    memory: { peakMb, budgetMb, text: `about ${gb(peakMb)} at batch ${config.batchSize} of the ${gb(budgetMb)} ${rung} can use${full}` },
  };
}
