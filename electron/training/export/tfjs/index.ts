import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { backboneGraph } from '../../backbones/configs.ts';
import type { Backbone } from '../../backbones/types.ts';
import type { AdapterWeights } from '../adapters.ts';
import { hostWeights } from '../host-weights.ts';
import { type GraphModelArtifacts, TfGraph } from './graph-def.ts';
import { emitGraphDef } from './emit-graph.ts';

export const TFJS_INPUT = 'input';
export const TFJS_OUTPUT = 'logits';

/**
 * The model as a TF.js graph model (`tf.loadGraphModel('model.json')` in a browser or Node):
 * input `input` float32 [batch, S, S, 3] (NHWC, preprocessed as in preprocessing.json), output
 * `logits`. BatchNorm is folded; LoRA must be merged first; adapters are written as ops.
 */
export function tfjsGraphModel(model: Backbone, userDefinedMetadata?: Record<string, unknown>, adapters?: AdapterWeights): GraphModelArtifacts {
  const g = new TfGraph();
  const input = g.placeholder(TFJS_INPUT, [-1, model.imageSize, model.imageSize, 3]);
  const w = hostWeights(model);
  const body = emitGraphDef(g, backboneGraph(model.arch, model.imageSize), w, input, model.numClasses, adapters);
  g.op('Identity', [body], {}, TFJS_OUTPUT);
  return g.artifacts({ generatedBy: `LabelTune ${model.arch}`, userDefinedMetadata });
}

/** Write model.json and its weight shards into `dir`; returns the files written. */
export async function writeTfjsModel(model: Backbone, dir: string, userDefinedMetadata?: Record<string, unknown>, adapters?: AdapterWeights): Promise<string[]> {
  const { modelJson, shards } = tfjsGraphModel(model, userDefinedMetadata, adapters);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
  for (const [name, bytes] of shards) await writeFile(join(dir, name), bytes);
  return ['model.json', ...shards.keys()];
}

/** An IOHandler that reads a graph model from a folder, as a browser would fetch it. */
export function folderLoader(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
        modelTopology: object;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
        format?: string;
        generatedBy?: string;
        convertedBy?: string;
        userDefinedMetadata?: Record<string, {}>;
      };
      const parts = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
      const total = parts.reduce((s, b) => s + b.length, 0);
      const data = new Uint8Array(total);
      let at = 0;
      for (const b of parts) {
        data.set(b, at);
        at += b.length;
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: data.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}
