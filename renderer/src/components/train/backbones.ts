import { offeredArchitectures, pretrainedOf } from '../../../../shared/architectures/index.ts';
import type { WeightsEntry } from '../../../../shared/contract/weights.ts';

/** One model the Train view offers. */
export interface BackboneOption {
  name: string;
  family: 'resnet' | 'vit';
  paramsMillions: number;
  /** Forward cost per image at the model's input size (timm's figures); what the speed note is made from. */
  gflops: number;
  cached: boolean;
}

/** The architectures table shared with the engine, before `weights.list` has answered (or when it could not be asked). */
export const FALLBACK_BACKBONES: BackboneOption[] = offeredArchitectures().map((c) => ({
  name: c.arch,
  family: c.family,
  paramsMillions: c.paramsMillions,
  gflops: c.gflops,
  cached: false,
}));

export function fromCatalog(entries: WeightsEntry[]): BackboneOption[] {
  return entries.map((e) => ({ name: e.arch, family: e.family, paramsMillions: e.paramsMillions, gflops: e.gflops, cached: e.cached }));
}

/** resnet18's cost, the quickest ResNet: the unit of the speed note. */
const REFERENCE_GFLOPS = pretrainedOf('resnet18')?.gflops ?? Number.NaN;

/** A rough speed note relative to resnet18. */
export function speedNote(b: BackboneOption): string {
  if (!Number.isFinite(b.gflops)) return 'speed unknown';
  const ratio = b.gflops / REFERENCE_GFLOPS;
  if (ratio <= 1.05) return `${b.gflops} GFLOPs/image · fastest`;
  return `${b.gflops} GFLOPs/image · about ${ratio.toFixed(1)}× resnet18's time`;
}
