import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unsupported } from '../../shared/contract/errors.ts';
import { PARITY_TOLERANCE, type ExportFormat, type ParityCheck } from '../../shared/domain/export.ts';
import type { Backbone, ForwardOptions } from '../training/backbones/types.ts';
import type { AdapterWeights } from '../training/export/adapters.ts';
import { createBackbone } from '../training/backbones/registry.ts';
import { ONNX_INPUT, ONNX_OUTPUT, exportOnnx } from '../training/export/onnx/index.ts';
import { exportSafetensors, timmLoadSnippet } from '../training/export/safetensors/index.ts';
import { folderLoader, writeTfjsModel } from '../training/export/tfjs/index.ts';
import { loadWeights } from '../training/weights/load-weights.ts';
import { SafetensorsFile } from '../weights/safetensors.ts';
import { type HeldOut, maxRowRelError, nhwcToNchw } from './held-out.ts';

export interface Written {
  files: string[];
  /** The exported model's logits on the held-out images. */
  logits: (held: HeldOut) => Promise<Float32Array>;
  runtime: string;
  loading: string;
}

/** Each format: write the files, and say how to run them back for the parity check. */
export const WRITERS: Record<ExportFormat, (model: Backbone, dir: string, meta: Record<string, string>, adapters?: AdapterWeights) => Promise<Written>> = {
  async onnx(model, dir, _meta, adapters) {
    const bytes = exportOnnx(model, 'Exported by LabelTune. Input: float32 NCHW, preprocessed as in preprocessing.json.', adapters);
    await writeFile(join(dir, 'model.onnx'), bytes);
    // The namespace, not .default: under tsx (CLI, serve) the CJS default export comes through empty.
    const ort = await import('onnxruntime-node');
    return {
      files: ['model.onnx'],
      runtime: `onnxruntime-node ${ort.env.versions?.node ?? ''}`.trim(),
      loading: `import onnxruntime as ort\nsession = ort.InferenceSession("model.onnx")\nlogits = session.run(["${ONNX_OUTPUT}"], {"${ONNX_INPUT}": x_nchw_float32})[0]`,
      async logits(held) {
        const session = await ort.InferenceSession.create(bytes);
        try {
          const n = held.ids.length;
          const input = new ort.Tensor('float32', nhwcToNchw(held.data, n, held.size), [n, 3, held.size, held.size]);
          return (await session.run({ [ONNX_INPUT]: input }))[ONNX_OUTPUT].data as Float32Array;
        } finally {
          await session.release();
        }
      },
    };
  },
  async tfjs(model, dir, meta, adapters) {
    const files = await writeTfjsModel(model, dir, meta, adapters);
    return {
      files,
      runtime: 'tf.loadGraphModel (@tensorflow/tfjs 4.22)',
      loading: "const model = await tf.loadGraphModel('model.json');\nconst logits = model.predict(xNhwcFloat32);",
      async logits(held) {
        const graph = await tf.loadGraphModel(folderLoader(dir));
        try {
          return await readAndDispose(tf.tidy(() => graph.predict(tf.tensor4d(held.data, [held.ids.length, held.size, held.size, 3])) as tf.Tensor));
        } finally {
          graph.dispose();
        }
      },
    };
  },
  async safetensors(model, dir, meta, adapters) {
    if (adapters) {
      throw unsupported('A run trained with bottleneck adapters cannot be written as a plain timm state dict (the adapters are extra layers timm does not know). Export it as onnx or tfjs, where the adapters are written as ops.');
    }
    const file = join(dir, 'model.safetensors');
    await exportSafetensors(model, file, meta);
    return {
      files: ['model.safetensors'],
      runtime: 'safetensors reload through LabelTune\'s loader',
      loading: timmLoadSnippet(model.arch, model.numClasses),
      async logits(held) {
        const copy = createBackbone(model.arch, { numClasses: model.numClasses, imageSize: model.imageSize });
        const f = await SafetensorsFile.open(file);
        try {
          await loadWeights(copy, f, { strict: true });
          return await readAndDispose(tf.tidy(() => copy.forward(tf.tensor4d(held.data, [held.ids.length, held.size, held.size, 3]))));
        } finally {
          await f.close();
          copy.dispose();
        }
      },
    };
  },
};

/** A result's values, read asynchronously (the webgpu backend cannot read synchronously), then freed. */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Compare the exported model's logits with the in-app model's on the same held-out images. */
export async function parityCheck(model: Backbone, held: HeldOut, written: Written, forwardOptions: ForwardOptions = {}): Promise<ParityCheck | null> {
  const n = held.ids.length;
  if (n === 0) return null;
  const reference = await readAndDispose(tf.tidy(() => model.forward(tf.tensor4d(held.data, [n, held.size, held.size, 3]), forwardOptions)));
  const maxRelError = maxRowRelError(await written.logits(held), reference, n);
  return { runtime: written.runtime, images: n, maxRelError, ok: maxRelError < PARITY_TOLERANCE };
}
