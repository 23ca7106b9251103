import { withHostWeights } from '../training/export/host-weights.ts';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Cut } from '../training/backbones/arch-graph.ts';
import type { Backbone } from '../training/backbones/types.ts';
import { adapterWeights } from '../training/export/adapters.ts';
import { OPSET, exportOnnx } from '../training/export/onnx/index.ts';
import type { Extension } from '../training/finetune/extensions.ts';

export { ONNX_FEATURES, ONNX_INPUT, ONNX_OUTPUT } from '../training/export/onnx/index.ts';

/** Bump when the conversion changes: cached graphs of an older conversion are then rebuilt. */
const CONVERSION = `labeltune-ort-1-opset${OPSET}`;

/**
 * A backbone (and its bottleneck adapters, as ops; LoRA must already be merged) as an ONNX graph
 * for inference: our exporter's graph with a second output `features`, what enters the network at
 * `featuresAt` (default: the head's input, i.e. what it pools: the activations CAM weighs), laid
 * out as in the graph (NCHW maps, [N, T, D] tokens).
 */
export async function convertToOnnx(backbone: Backbone, adapters: Extension | null, docString: string, featuresAt: Cut = { group: backbone.groups.length - 1, op: 0 }): Promise<Uint8Array> {
  const weights = adapters ? await adapterWeights(adapters) : undefined;
  // Weights are read asynchronously first (webgpu cannot read synchronously); the exporter is synchronous.
  return withHostWeights(backbone, async () => exportOnnx(backbone, docString, weights, featuresAt));
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
