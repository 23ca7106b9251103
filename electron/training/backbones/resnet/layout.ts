import { type BackboneBuildOptions, type BackboneLayout, LayoutBuilder, makeLayout } from '../layout.ts';

/** timm's ResNet family knobs: BasicBlock (18/34) or Bottleneck v1.5 (50+, stride on the 3×3). */
export interface ResNetConfig {
  block: 'basic' | 'bottleneck';
  /** Blocks per stage, e.g. [2, 2, 2, 2] for resnet18. */
  layers: readonly [number, number, number, number];
  /** Planes per stage (timm's 64, 128, 256, 512 unless a test config narrows them) and of the stem. */
  widths?: readonly [number, number, number, number];
  stemWidth?: number;
  /**
   * Stride of each stage's first block: timm's 1, 2, 2, 2 unless a test config keeps the last
   * map large (Grad-CAM's grid on a unit test's small images).
   */
  strides?: readonly [number, number, number, number];
}

const STAGE_WIDTHS = [64, 128, 256, 512] as const;
const GROUPS = ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head'] as const;

export interface BlockSpec {
  name: string;
  stride: number;
  downsample: boolean;
}

/** The blocks of each stage, in order: the layout and the graph (graph.ts) walk the same list. */
export function stageBlocks(config: ResNetConfig): BlockSpec[][] {
  const widths = config.widths ?? STAGE_WIDTHS;
  const expansion = config.block === 'basic' ? 1 : 4;
  let inC = config.stemWidth ?? 64;
  return config.layers.map((count, s) =>
    Array.from({ length: count }, (_, b) => {
      const stride = b > 0 ? 1 : (config.strides?.[s] ?? (s > 0 ? 2 : 1));
      const spec = { name: `layer${s + 1}.${b}`, stride, downsample: stride !== 1 || inC !== widths[s] * expansion };
      inC = widths[s] * expansion;
      return spec;
    }),
  );
}

/** Every parameter of the ResNet, by timm name, with its shape and timm's init; no tensor allocated. */
export function resnetLayout(arch: string, config: ResNetConfig, opts: BackboneBuildOptions): BackboneLayout {
  const widths = config.widths ?? STAGE_WIDTHS;
  const expansion = config.block === 'basic' ? 1 : 4;
  const stem = config.stemWidth ?? 64;
  const p = new LayoutBuilder();
  p.kaimingConv('conv1.weight', 7, 3, stem);
  p.batchNorm('bn1', stem);
  let inC = stem;
  stageBlocks(config).forEach((blocks, s) => {
    for (const spec of blocks) {
      addBlock(p, config.block, spec, inC, widths[s], widths[s] * expansion);
      inC = widths[s] * expansion;
    }
  });
  return makeLayout({
    arch,
    family: 'resnet',
    featureDim: widths[3] * expansion,
    numClasses: opts.numClasses,
    imageSize: opts.imageSize,
    groups: GROUPS,
    classifier: 'fc',
    body: p,
    hookWidths: new Map(widths.map((w, s) => [`layer${s + 1}`, w * expansion])),
    groupOfName: (name) => {
      if (name.startsWith('conv1.') || name.startsWith('bn1.')) return 'stem';
      if (name.startsWith('fc.')) return 'head';
      return name.slice(0, name.indexOf('.'));
    },
  });
}

function addBlock(p: LayoutBuilder, block: ResNetConfig['block'], spec: BlockSpec, inC: number, planes: number, outC: number): void {
  const n = spec.name;
  if (block === 'basic') {
    p.kaimingConv(`${n}.conv1.weight`, 3, inC, planes);
    p.batchNorm(`${n}.bn1`, planes);
    p.kaimingConv(`${n}.conv2.weight`, 3, planes, planes);
    p.batchNorm(`${n}.bn2`, planes, true); // timm's zero_init_last: each block starts as identity
  } else {
    p.kaimingConv(`${n}.conv1.weight`, 1, inC, planes);
    p.batchNorm(`${n}.bn1`, planes);
    p.kaimingConv(`${n}.conv2.weight`, 3, planes, planes);
    p.batchNorm(`${n}.bn2`, planes);
    p.kaimingConv(`${n}.conv3.weight`, 1, planes, outC);
    p.batchNorm(`${n}.bn3`, outC, true);
  }
  if (spec.downsample) {
    p.kaimingConv(`${n}.downsample.0.weight`, 1, inC, outC);
    p.batchNorm(`${n}.downsample.1`, outC);
  }
}
