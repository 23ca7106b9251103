import * as tf from '@tensorflow/tfjs';
import { BaseBackbone, type BackboneBuildOptions } from './base.ts';
import { convBn, maxPoolAfterRelu } from './ops.ts';
import type { ForwardOptions } from './types.ts';

/** timm's ResNet family knobs: BasicBlock (18/34) or Bottleneck v1.5 (50+, stride on the 3×3). */
export interface ResNetConfig {
  block: 'basic' | 'bottleneck';
  /** Blocks per stage, e.g. [2, 2, 2, 2] for resnet18. */
  layers: readonly [number, number, number, number];
}

const STAGE_WIDTHS = [64, 128, 256, 512];
const GROUPS = ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head'] as const;

interface BlockSpec {
  name: string;
  stride: number;
  downsample: boolean;
}

/** timm `resnet18/34/50`: NHWC, variables named as timm's state dict, TF.js layouts. */
export class ResNet extends BaseBackbone {
  readonly family = 'resnet' as const;
  readonly groups = GROUPS;
  private readonly expansion: number;
  /** The blocks of each stage, in order. */
  private readonly stages: BlockSpec[][] = [];

  constructor(arch: string, readonly config: ResNetConfig, opts: BackboneBuildOptions) {
    const expansion = config.block === 'basic' ? 1 : 4;
    super(arch, STAGE_WIDTHS[3] * expansion, opts, 'fc');
    this.expansion = expansion;
    this.params.add('conv1.weight', this.params.kaimingConv(7, 7, 3, 64));
    this.params.addBatchNorm('bn1', 64);
    let inC = 64;
    config.layers.forEach((count, s) => {
      const blocks: BlockSpec[] = [];
      for (let b = 0; b < count; b++) {
        const stride = b === 0 && s > 0 ? 2 : 1;
        const spec = { name: `layer${s + 1}.${b}`, stride, downsample: stride !== 1 || inC !== STAGE_WIDTHS[s] * expansion };
        this.addBlock(spec, inC, STAGE_WIDTHS[s]);
        blocks.push(spec);
        inC = STAGE_WIDTHS[s] * expansion;
      }
      this.stages.push(blocks);
    });
    this.addClassifier();
  }

  private addBlock(spec: BlockSpec, inC: number, planes: number): void {
    const p = this.params;
    const n = spec.name;
    const outC = planes * this.expansion;
    if (this.config.block === 'basic') {
      p.add(`${n}.conv1.weight`, p.kaimingConv(3, 3, inC, planes));
      p.addBatchNorm(`${n}.bn1`, planes);
      p.add(`${n}.conv2.weight`, p.kaimingConv(3, 3, planes, planes));
      p.addBatchNorm(`${n}.bn2`, planes, true); // timm's zero_init_last: each block starts as identity
    } else {
      p.add(`${n}.conv1.weight`, p.kaimingConv(1, 1, inC, planes));
      p.addBatchNorm(`${n}.bn1`, planes);
      p.add(`${n}.conv2.weight`, p.kaimingConv(3, 3, planes, planes));
      p.addBatchNorm(`${n}.bn2`, planes);
      p.add(`${n}.conv3.weight`, p.kaimingConv(1, 1, planes, outC));
      p.addBatchNorm(`${n}.bn3`, outC, true);
    }
    if (spec.downsample) {
      p.add(`${n}.downsample.0.weight`, p.kaimingConv(1, 1, inC, outC));
      p.addBatchNorm(`${n}.downsample.1`, outC);
    }
  }

  groupOf(variableName: string): string {
    this.params.get(variableName);
    if (variableName.startsWith('conv1.') || variableName.startsWith('bn1.')) return 'stem';
    if (variableName.startsWith('fc.')) return 'head';
    return variableName.slice(0, variableName.indexOf('.'));
  }

  protected runGroup(index: number, x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    const group = this.groups[index];
    if (group === 'head') return this.forwardHead(x);
    const training = this.isTraining(group, opts);
    if (group === 'stem') return this.stem(x as tf.Tensor4D, training);
    let y = x as tf.Tensor4D;
    for (const spec of this.stages[index - 1]) y = this.block(spec, y, training);
    return this.afterGroup(group, y, opts);
  }

  private stem(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const act = convBn(x, this.params.get('conv1.weight'), this.params.batchNorm('bn1'), 2, 3, training, true);
    return maxPoolAfterRelu(act, 3, 2, 1);
  }

  private convBn(x: tf.Tensor4D, prefix: string, conv: string, bn: string, stride: number, pad: number, training: boolean, relu = false) {
    return convBn(x, this.params.get(`${prefix}.${conv}.weight`), this.params.batchNorm(`${prefix}.${bn}`), stride, pad, training, relu);
  }

  private block(spec: BlockSpec, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const n = spec.name;
    let y: tf.Tensor4D;
    if (this.config.block === 'basic') {
      y = this.convBn(x, n, 'conv1', 'bn1', spec.stride, 1, training, true);
      y = this.convBn(y, n, 'conv2', 'bn2', 1, 1, training);
    } else {
      y = this.convBn(x, n, 'conv1', 'bn1', 1, 0, training, true);
      y = this.convBn(y, n, 'conv2', 'bn2', spec.stride, 1, training, true);
      y = this.convBn(y, n, 'conv3', 'bn3', 1, 0, training);
    }
    const shortcut = spec.downsample ? this.convBn(x, n, 'downsample.0', 'downsample.1', spec.stride, 0, training) : x;
    return tf.relu(tf.add(y, shortcut));
  }

  /** Any H x W: convolutions slide, and the global average pool below removes the spatial size (timm's ResNets alike). */
  protected inputSizeError(): string | null {
    return null;
  }

  /** Global average pool of the last feature map. */
  protected pool(features: tf.Tensor): tf.Tensor2D {
    return tf.mean(features, [1, 2]) as tf.Tensor2D;
  }
}

/** Registry entry factory: `resnet({ block: 'basic', layers: [2, 2, 2, 2] })`. */
export function resnet(config: ResNetConfig) {
  return { family: 'resnet' as const, config, build: (arch: string, opts: BackboneBuildOptions) => new ResNet(arch, config, opts) };
}
