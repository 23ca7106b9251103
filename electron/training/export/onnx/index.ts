import { type Cut, cutName } from '../../backbones/arch-graph.ts';
import { backboneGraph } from '../../backbones/configs.ts';
import type { Backbone } from '../../backbones/types.ts';
import { OPSET, OnnxGraph } from './graph.ts';
import type { AdapterWeights } from '../adapters.ts';
import { hostWeights } from '../host-weights.ts';
import { emitOnnx } from './emit-graph.ts';

export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';
/** The second output of a graph exported with `featuresAt`: what enters the network at that cut. */
export const ONNX_FEATURES = 'features';
export { OPSET };

/**
 * The model as an ONNX ModelProto: input `input` float32 [batch, 3, S, S] (NCHW, already
 * preprocessed as in preprocessing.json), output `logits` [batch, classes]. LoRA must be merged
 * into the backbone first; bottleneck adapters are written as ops after their stage / block.
 * With `featuresAt`, a second output `features`: what enters the network at that cut (NCHW maps,
 * [N, T, D] tokens), the frozen features the training loop caches there.
 */
export function exportOnnx(model: Backbone, docString = '', adapters?: AdapterWeights, featuresAt?: Cut): Uint8Array {
  const g = new OnnxGraph();
  const w = hostWeights(model);
  const { output, features } = emitOnnx(g, backboneGraph(model.arch, model.imageSize), w, ONNX_INPUT, model.numClasses, adapters, featuresAt);
  g.node('Identity', [output], {}, ONNX_OUTPUT);
  if (featuresAt && features === null) throw new Error(`${model.arch}: the graph has no cut ${cutName(featuresAt)} to take features at`);
  if (features !== null) g.node('Identity', [features], {}, ONNX_FEATURES);
  const outDim = model.numClasses > 0 ? model.numClasses : model.featureDim;
  return g.encode({
    input: ONNX_INPUT,
    inputDims: [3, model.imageSize, model.imageSize],
    output: ONNX_OUTPUT,
    outputDims: [outDim],
    extraOutputs: features === null ? [] : [ONNX_FEATURES],
    name: model.arch,
    docString,
  });
}
