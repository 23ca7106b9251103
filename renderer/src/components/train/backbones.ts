import type { WeightsEntry } from '../../../../shared/contract/weights.ts';

/** One model the Train view offers. */
export interface BackboneOption {
  name: string;
  family: 'resnet' | 'vit';
  paramsMillions: number;
  /** Forward cost per 224×224 image (timm's figures); what the speed note is made from. */
  gflops: number;
  cached: boolean;
}

/** Forward GFLOPs at 224 px (timm's model cards): the relative speed of the architectures. */
const GFLOPS: Record<string, number> = {
  resnet18: 1.8,
  resnet34: 3.7,
  resnet50: 4.1,
  vit_tiny_patch16_224: 1.3,
  vit_small_patch16_224: 4.6,
  vit_base_patch16_224: 17.6,
};

/** The engine's registry, offline (when `weights.list` could not be asked). */
export const FALLBACK_BACKBONES: BackboneOption[] = [
  { name: 'resnet18', family: 'resnet', paramsMillions: 11.7, gflops: 1.8, cached: false },
  { name: 'resnet34', family: 'resnet', paramsMillions: 21.8, gflops: 3.7, cached: false },
  { name: 'resnet50', family: 'resnet', paramsMillions: 25.6, gflops: 4.1, cached: false },
  { name: 'vit_tiny_patch16_224', family: 'vit', paramsMillions: 5.7, gflops: 1.3, cached: false },
  { name: 'vit_small_patch16_224', family: 'vit', paramsMillions: 22.1, gflops: 4.6, cached: false },
  { name: 'vit_base_patch16_224', family: 'vit', paramsMillions: 86.6, gflops: 17.6, cached: false },
];

export function fromCatalog(entries: WeightsEntry[]): BackboneOption[] {
  return entries.map((e) => ({
    name: e.arch,
    family: e.family,
    paramsMillions: e.paramsMillions,
    gflops: GFLOPS[e.arch] ?? FALLBACK_BACKBONES.find((b) => b.name === e.arch)?.gflops ?? Number.NaN,
    cached: e.cached,
  }));
}

/** A rough speed note relative to resnet18, the quickest ResNet. */
export function speedNote(b: BackboneOption): string {
  if (!Number.isFinite(b.gflops)) return 'speed unknown';
  const ratio = b.gflops / 1.8;
  if (ratio <= 1.05) return `${b.gflops} GFLOPs/image · fastest`;
  return `${b.gflops} GFLOPs/image · about ${ratio.toFixed(1)}× resnet18's time`;
}
