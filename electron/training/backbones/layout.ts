
/**
 * A backbone's parameters as data: names, shapes and initialisers, no tensors. The model is built
 * from it (ParamStore materialises each entry), and a plan counts parameters from it without
 * allocating a weight (ViT-B's 86M floats are 340 MB just to count them).
 */

export type BackboneFamily = 'resnet' | 'vit';

export interface BackboneBuildOptions {
  /** Classifier width; 0 builds no classifier (forwardHead then returns the pooled features). */
  numClasses: number;
  /** Square input size in pixels (ResNets also run on other H x W; see Backbone.checkInputSize). */
  imageSize: number;
  /** Seed of the random initialisation (and of later resetClassifier calls); random when absent. */
  seed?: number;
}

/** How a parameter starts: normal(0, std²), uniform(±bound), or a constant. */
export type Init = { normal: number } | { uniform: number } | 'zeros' | 'ones';

export interface ParamSpec {
  shape: readonly number[];
  init: Init;
  /** BatchNorm running statistics: kept, never trained by gradients. */
  buffer: boolean;
}

/** What counting, grouping and freezing need; a built Backbone and a BackboneLayout both have it. */
export interface ParamShapes {
  readonly arch: string;
  readonly family: BackboneFamily;
  /** Layer groups from input to output (stem ... head). */
  readonly groups: readonly string[];
  /** Variable prefix of the classifier, the part replaced when class counts differ: timm's `fc` (ResNet) or `head` (ViT). */
  readonly classifier: string;
  /** Every parameter and buffer's shape, by timm name, in declaration order. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  groupOf(variableName: string): string;
  isBuffer(variableName: string): boolean;
}

/** A whole architecture at one class count and input size, before any weight exists. */
export interface BackboneLayout extends ParamShapes {
  readonly featureDim: number;
  readonly numClasses: number;
  readonly imageSize: number;
  readonly params: ReadonlyMap<string, ParamSpec>;
  /** Channels of each group output the afterGroup hook sees (where adapters are grafted). */
  readonly hookWidths: ReadonlyMap<string, number>;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Collects a family's parameter declarations in order (the order the random init draws them). */
export class LayoutBuilder {
  readonly params = new Map<string, ParamSpec>();

  add(name: string, shape: readonly number[], init: Init, buffer = false): void {
    if (this.params.has(name)) throw new Error(`Duplicate variable ${name}`);
    this.params.set(name, { shape, init, buffer });
  }

  /** A BatchNorm2d: weight 1 (0 for timm's zero_init_last), bias 0, running mean 0, running var 1. */
  batchNorm(name: string, channels: number, zeroGamma = false): void {
    this.add(`${name}.weight`, [channels], zeroGamma ? 'zeros' : 'ones');
    this.add(`${name}.bias`, [channels], 'zeros');
    this.add(`${name}.running_mean`, [channels], 'zeros', true);
    this.add(`${name}.running_var`, [channels], 'ones', true);
  }

  layerNorm(name: string, dim: number): void {
    this.add(`${name}.weight`, [dim], 'ones');
    this.add(`${name}.bias`, [dim], 'zeros');
  }

  /** Kaiming normal, fan_out, ReLU gain: timm's ResNet conv init. Layout [kh, kw, in, out]. */
  kaimingConv(name: string, k: number, inC: number, outC: number): void {
    this.add(name, [k, k, inC, outC], { normal: Math.sqrt(2 / (outC * k * k)) });
  }

  /**
   * timm's ViT linear: trunc_normal_(std=0.02) weight (cut at ±2 absolute, i.e. 100 std: in
   * effect a plain normal), zero bias.
   */
  truncLinear(name: string, inDim: number, outDim: number): void {
    this.add(`${name}.weight`, [inDim, outDim], { normal: 0.02 });
    this.add(`${name}.bias`, [outDim], 'zeros');
  }
}

/** PyTorch nn.Linear's default init, U(±1/sqrt(in)) for weight and bias: what timm's reset_classifier gives. */
export function classifierParams(prefix: string, featureDim: number, numClasses: number): Map<string, ParamSpec> {
  if (numClasses === 0) return new Map();
  const bound = 1 / Math.sqrt(featureDim);
  return new Map([
    [`${prefix}.weight`, { shape: [featureDim, numClasses], init: { uniform: bound }, buffer: false }],
    [`${prefix}.bias`, { shape: [numClasses], init: { uniform: bound }, buffer: false }],
  ]);
}

export function isBufferName(variableName: string): boolean {
  return variableName.endsWith('.running_mean') || variableName.endsWith('.running_var');
}

/** The shapes of a spec table, for ParamShapes. */
export function shapesOf(params: ReadonlyMap<string, ParamSpec>): Map<string, readonly number[]> {
  return new Map([...params].map(([name, p]) => [name, p.shape]));
}

export interface LayoutParts {
  arch: string;
  family: BackboneFamily;
  featureDim: number;
  numClasses: number;
  imageSize: number;
  groups: readonly string[];
  classifier: string;
  /** The body's parameters; the classifier is added for `numClasses`. */
  body: LayoutBuilder;
  hookWidths: ReadonlyMap<string, number>;
  /** The group of a name known to be a parameter. */
  groupOfName(variableName: string): string;
}

/** Assemble a family's declarations into a BackboneLayout (with the classifier for numClasses). */
export function makeLayout(parts: LayoutParts): BackboneLayout {
  const params = new Map([...parts.body.params, ...classifierParams(parts.classifier, parts.featureDim, parts.numClasses)]);
  const shapes = shapesOf(params);
  return {
    arch: parts.arch,
    family: parts.family,
    featureDim: parts.featureDim,
    numClasses: parts.numClasses,
    imageSize: parts.imageSize,
    groups: parts.groups,
    classifier: parts.classifier,
    params,
    shapes,
    hookWidths: parts.hookWidths,
    groupOf(variableName) {
      if (!shapes.has(variableName)) throw new Error(`Model has no variable ${variableName}`);
      return parts.groupOfName(variableName);
    },
    isBuffer: isBufferName,
  };
}
