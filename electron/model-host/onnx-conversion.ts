import { withHostWeights } from '../training/export/host-weights.ts';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { type Cut, opParams } from '../training/backbones/arch-graph.ts';
import { backboneGraph } from '../training/backbones/configs.ts';
import type { Backbone } from '../training/backbones/types.ts';
import { adapterWeights } from '../training/export/adapters.ts';
import { OPSET, exportOnnx } from '../training/export/onnx/index.ts';
import type { Extension } from '../training/finetune/extensions.ts';

const { onnx } = onnxProto;

export { ONNX_INPUT, ONNX_OUTPUT } from '../training/export/onnx/index.ts';

/** The second output of a converted graph: the last feature map before pooling (see withFeatureOutput). */
export const ONNX_FEATURES = 'features';

/** Bump when the conversion changes: cached graphs of an older conversion are then rebuilt. */
const CONVERSION = `labeltune-ort-1-opset${OPSET}`;

/**
 * A backbone (and its bottleneck adapters, as ops; LoRA must already be merged) as an ONNX graph
 * for inference: our exporter's graph with a second output `features`, what enters the graph at
 * `featuresAt` (default: the head's input, i.e. what it pools), laid out as in the graph (NCHW maps).
 */
export async function convertToOnnx(backbone: Backbone, adapters: Extension | null, docString: string, featuresAt?: Cut): Promise<Uint8Array> {
  const weights = adapters ? await adapterWeights(adapters) : undefined;
  const reader = featuresAt ? cutInputWeight(backbone, featuresAt) : null;
  // Weights are read asynchronously first (webgpu cannot read synchronously); the exporter is synchronous.
  return withHostWeights(backbone, async () => withFeatureOutput(exportOnnx(backbone, docString, weights), reader));
}

/**
 * The weight whose node reads what enters the graph at `cut` in our exporter's graph: the first
 * parameter of the op there (a block's first convolution, a ViT block's first norm: the nodes that
 * take the block's input), or null for the head, whose input is what the pooling node reads.
 */
function cutInputWeight(backbone: Backbone, cut: Cut): string | null {
  const graph = backboneGraph(backbone.arch, backbone.imageSize);
  if (cut.group === graph.groups.length && cut.op === 0) return null;
  const op = graph.groups[cut.group]?.ops[cut.op];
  const weight = op && (cut.group > 0 || cut.op > 0) ? opParams(op)[0] : undefined;
  if (!weight) throw new Error(`${backbone.arch}: no op ${cut.op} of group ${cut.group} with a weight to take features before`);
  return weight;
}

/**
 * Expose a feature map as the output `features`: the data input of the node reading `weight`, or,
 * for null, what the head pools (ResNet: the input of GlobalAveragePool, NCHW; ViT: the normalised
 * tokens [N, T, D] the class-token Gather reads). These are the frozen features the loop caches,
 * and the activations CAM weighs.
 */
export function withFeatureOutput(bytes: Uint8Array, weight: string | null = null): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const reader = weight
    ? nodes.find((n) => n.input?.[1] === weight)
    : (nodes.find((n) => n.opType === 'GlobalAveragePool') ?? nodes.find((n) => n.opType === 'Gather' && n.input?.[1] === 'cls_index'));
  if (!reader?.input?.[0]) throw new Error(`graph ${graph.name}: no node reads ${weight ?? 'the pooled features'}, so the features cannot be taken from it`);
  nodes.push(onnx.NodeProto.create({ opType: 'Identity', name: 'features_output', input: [reader.input[0]], output: [ONNX_FEATURES] }));
  graph.output!.push(onnx.ValueInfoProto.create({ name: ONNX_FEATURES, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  return onnx.ModelProto.encode(model).finish();
}

/** How a cached conversion was checked against the TF.js model, written beside it. */
export interface ConversionRecord {
  conversion: string;
  /** sha256 of the .onnx file: a file changed since (or half written) is not trusted. */
  sha256: string;
  /** Images the check compared, and the largest difference of probabilities found. */
  images: number;
  /** null when nothing finite could be compared. */
  maxAbsDiff: number | null;
  ok: boolean;
  /** Why the conversion is not used, when !ok. */
  reason: string | null;
}

export interface ConversionFiles {
  checkpoint: string;
  model: string;
  record: string;
}

/**
 * Where a checkpoint's conversion is cached: beside it, keyed by the checkpoint's size and mtime
 * (a rewritten checkpoint gets a new key) and by the conversion's version.
 */
export function conversionFiles(checkpoint: string): ConversionFiles {
  const st = statSync(checkpoint);
  const key = createHash('sha256').update(`${CONVERSION}\u0000${st.size}\u0000${st.mtimeMs}`).digest('hex').slice(0, 16);
  const model = `${checkpoint}.${key}.onnx`;
  return { checkpoint, model, record: `${model}.json` };
}

export type CachedConversion = { record: ConversionRecord; bytes: Uint8Array | null } | { stale: string };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The cached conversion of a checkpoint: null when there is none, `stale` (with why) when its
 * files do not match their record, and the record (with the graph when it passed its check).
 */
export function readConversion(files: ConversionFiles): CachedConversion | null {
  if (!existsSync(files.record)) return null;
  let record: ConversionRecord;
  try {
    record = JSON.parse(readFileSync(files.record, 'utf8')) as ConversionRecord;
  } catch (e) {
    return { stale: `${files.record} is not readable JSON (${(e as Error).message})` };
  }
  if (record.conversion !== CONVERSION) return { stale: `${files.record} is from another conversion (${record.conversion})` };
  if (!record.ok) return { record, bytes: null };
  if (!existsSync(files.model)) return { stale: `${files.model} is missing` };
  const bytes = new Uint8Array(readFileSync(files.model));
  if (sha256(bytes) !== record.sha256) return { stale: `${files.model} does not match its recorded sha256 (changed or half written)` };
  return { record, bytes };
}

/** Write the graph and its record (each via a temporary file), and drop older conversions of the same checkpoint. */
export function writeConversion(files: ConversionFiles, bytes: Uint8Array, check: Omit<ConversionRecord, 'conversion' | 'sha256'>): ConversionRecord {
  const record: ConversionRecord = { conversion: CONVERSION, sha256: sha256(bytes), ...check };
  // Two jobs may convert the same checkpoint at once (evaluate while predicting): each writes its own temporary file.
  const atomic = (file: string, data: Uint8Array | string) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  };
  atomic(files.model, bytes);
  atomic(files.record, JSON.stringify(record, null, 2));
  removeConversions(files.checkpoint, [files.model, files.record]);
  return record;
}

/** Delete the cached conversions of a checkpoint (all, or all but `keep`): they go with it. */
export function removeConversions(checkpoint: string, keep: string[] = []): void {
  const dir = dirname(checkpoint);
  if (!existsSync(dir)) return;
  const prefix = `${basename(checkpoint)}.`;
  for (const f of readdirSync(dir)) {
    const path = join(dir, f);
    if (f.startsWith(prefix) && /\.[0-9a-f]{16}\.onnx(\.json)?$/.test(f) && !keep.includes(path)) rmSync(path, { force: true });
  }
}
