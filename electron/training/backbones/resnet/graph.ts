import type { ArchGraph, ArchOp, ConvBnOp } from '../arch-graph.ts';
import { type BlockSpec, type ResNetConfig, stageBlocks } from './layout.ts';

/** timm's ResNet as an ArchGraph: stem conv + max pool, four stages of residual blocks, average pool, `fc`. */
export function resnetGraph(config: ResNetConfig): ArchGraph {
  const stem: ArchOp[] = [convBn('conv1', 'bn1', 2, 3, true), { op: 'maxPool', size: 3, stride: 2, pad: 1 }];
  const stages = stageBlocks(config).map((blocks, s) => ({ name: `layer${s + 1}`, ops: blocks.map((b) => block(config.block, b)), adapter: true }));
  return { groups: [{ name: 'stem', ops: stem, adapter: false }, ...stages], head: { pool: 'avg', classifier: 'fc' } };
}

/** BasicBlock (two 3×3) or Bottleneck v1.5 (1×1, strided 3×3, 1×1), ReLU after the residual add. */
function block(kind: ResNetConfig['block'], { name: n, stride, downsample }: BlockSpec): ArchOp {
  const body =
    kind === 'basic'
      ? [convBn(`${n}.conv1`, `${n}.bn1`, stride, 1, true), convBn(`${n}.conv2`, `${n}.bn2`, 1, 1, false)]
      : [convBn(`${n}.conv1`, `${n}.bn1`, 1, 0, true), convBn(`${n}.conv2`, `${n}.bn2`, stride, 1, true), convBn(`${n}.conv3`, `${n}.bn3`, 1, 0, false)];
  const shortcut = downsample ? [convBn(`${n}.downsample.0`, `${n}.downsample.1`, stride, 0, false)] : [];
  return { op: 'residual', body, shortcut, relu: true };
}

function convBn(conv: string, bn: string, stride: number, pad: number, relu: boolean): ConvBnOp {
  return { op: 'convBn', conv, bn, stride, pad, relu };
}
