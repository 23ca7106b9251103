import { backboneGraph } from '../../backbones/configs.ts';
import type { Backbone } from '../../backbones/types.ts';
import { OPSET, OnnxGraph } from './graph.ts';
import type { AdapterWeights } from '../adapters.ts';
import { hostWeights } from '../host-weights.ts';
import { emitOnnx } from './emit-graph.ts';

export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';
export { OPSET };

/**
 * The model as an ONNX ModelProto: input `input` float32 [batch, 3, S, S] (NCHW, already
 * preprocessed as in preprocessing.json), output `logits` [batch, classes]. LoRA must be merged
 * into the backbone first; bottleneck adapters are written as ops after their stage / block.
 */
export function exportOnnx(model: Backbone, docString = '', adapters?: AdapterWeights): Uint8Array {
  const g = new OnnxGraph();
  const w = hostWeights(model);
  const body = emitOnnx(g, backboneGraph(model.arch, model.imageSize), w, ONNX_INPUT, model.numClasses, adapters);
  g.node('Identity', [body], {}, ONNX_OUTPUT);
  const outDim = model.numClasses > 0 ? model.numClasses : model.featureDim;
  return g.encode({
    input: ONNX_INPUT,
    inputDims: [3, model.imageSize, model.imageSize],
    output: ONNX_OUTPUT,
    outputDims: [outDim],
    name: model.arch,
    docString,
  });
}
