/**
 * A tiny writer of TensorFlow GraphDefs in the JSON form that `tf.loadGraphModel` reads
 * (model.json "graph-model" format + binary weight shards). Constants travel in the weights
 * manifest by node name, as the official converter does.
 */

type AttrJson = Record<string, unknown>;
export type Attr = number | boolean | string | number[] | { dtype: 'DT_FLOAT' | 'DT_INT32' };

interface NodeJson {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrJson>;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface GraphModelArtifacts {
  /** model.json's content, shards listed under `weightsManifest[0].paths`. */
  modelJson: Record<string, unknown>;
  /** Shard file name -> bytes. */
  shards: Map<string, Uint8Array>;
}

const SHARD_BYTES = 4 * 1024 * 1024;

export class TfGraph {
  private readonly nodes: NodeJson[] = [];
  private readonly specs: WeightSpec[] = [];
  private readonly chunks: Uint8Array[] = [];
  private counter = 0;

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: shape.map((s) => ({ size: String(s) })) } } } });
    return name;
  }

  /** A float32 constant (weights). */
  weight(name: string, shape: readonly number[], data: Float32Array): string {
    return this.constant(name, [...shape], data, 'float32');
  }

  /** An int32 constant (shapes, axes, paddings, indices). */
  int32(values: readonly number[], shape: readonly number[] = [values.length]): string {
    return this.constant(`const_${this.counter++}`, [...shape], Int32Array.from(values), 'int32');
  }

  scalar(value: number): string {
    return this.weight(`scalar_${this.counter++}`, [], Float32Array.of(value));
  }

  /** Append an op; returns its output name (`name:1` addresses a second output). */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, name?: string): string {
    const nodeName = name ?? `${op}_${this.counter++}`;
    const attr = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, encodeAttr(v)]));
    this.nodes.push({ name: nodeName, op, input: inputs, attr });
    return nodeName;
  }

  artifacts(meta: { generatedBy: string; userDefinedMetadata?: Record<string, unknown> }): GraphModelArtifacts {
    const total = this.chunks.reduce((s, c) => s + c.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    const count = Math.max(1, Math.ceil(total / SHARD_BYTES));
    const shards = new Map<string, Uint8Array>();
    for (let i = 0; i < count; i++) shards.set(`group1-shard${i + 1}of${count}.bin`, all.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES));
    return {
      modelJson: {
        format: 'graph-model',
        generatedBy: meta.generatedBy,
        convertedBy: 'LabelTune',
        modelTopology: { node: this.nodes, library: {}, versions: { producer: 1 } },
        weightsManifest: [{ paths: [...shards.keys()], weights: this.specs }],
        ...(meta.userDefinedMetadata ? { userDefinedMetadata: meta.userDefinedMetadata } : {}),
      },
      shards,
    };
  }

  private constant(name: string, shape: number[], data: Float32Array | Int32Array, dtype: 'float32' | 'int32'): string {
    const tfType = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    this.nodes.push({
      name,
      op: 'Const',
      attr: { value: { tensor: { dtype: tfType, tensorShape: { dim: shape.map((s) => ({ size: String(s) })) } } }, dtype: { type: tfType } },
    });
    this.specs.push({ name, shape, dtype });
    this.chunks.push(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
    return name;
  }
}

function encodeAttr(v: Attr): AttrJson {
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { i: String(v) } : { f: v };
  if (typeof v === 'string') return { s: Buffer.from(v, 'utf8').toString('base64') };
  if (Array.isArray(v)) return { list: { i: v.map(String) } };
  return { type: v.dtype };
}
