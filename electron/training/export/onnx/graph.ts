import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX opset the exports target (LayerNormalization needs 17). */
export const OPSET = 17;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export type AttrValue = number | number[] | string | { ints: number[] } | { float: number };

/**
 * A small builder for an ONNX graph: named initializers, nodes with generated output names, and
 * one float input and output. Nothing model-specific lives here.
 */
export class OnnxGraph {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** A float32 constant tensor (weights); returns its name. */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initializer ${name}: ${data.length} values for shape [${dims}]`);
    this.claim(name);
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: raw });
    return name;
  }

  /** An int64 constant (shapes, axes, indices); returns its name. */
  int64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    this.claim(name);
    this.initializers.push({ name, dims: [...dims], dataType: INT64, int64Data: values.map((v) => v) });
    return name;
  }

  /** Whether a constant of that name exists (constants that several nodes share are written once). */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** A scalar float constant. */
  scalar(name: string, value: number): string {
    return this.weight(name, [], Float32Array.of(value));
  }

  /** Append a node with one output (named `output`, or a generated name); returns the output's name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.multi(opType, inputs, 1, attrs, output ? [output] : undefined)[0];
  }

  /** Append a node with several outputs; returns their names. */
  multi(opType: string, inputs: string[], outputs: number, attrs: Record<string, AttrValue> = {}, names?: string[]): string[] {
    const base = `${opType.toLowerCase()}_${this.counter++}`;
    const outs = names ?? Array.from({ length: outputs }, (_, i) => (outputs === 1 ? base : `${base}_${i}`));
    this.nodes.push({ opType, name: base, input: inputs, output: outs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return outs;
  }

  /**
   * Serialize with a float input `[batch, ...inputDims]` and the given output, batch left dynamic;
   * `extraOutputs`: more float outputs, their shapes left to the runtime.
   */
  encode(opts: { input: string; inputDims: number[]; output: string; outputDims: number[]; extraOutputs?: string[]; name: string; docString?: string }): Uint8Array {
    const valueInfo = (name: string, dims: number[]) => ({
      name,
      type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, ...dims.map((d) => ({ dimValue: d }))] } } },
    });
    const extra = opts.extraOutputs ?? [];
    for (const out of [opts.output, ...extra]) if (!this.nodes.some((n) => n.output?.includes(out))) throw new Error(`no node produces ${out}`);
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'LabelTune',
      docString: opts.docString ?? '',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: opts.name,
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(opts.input, opts.inputDims)],
        output: [valueInfo(opts.output, opts.outputDims), ...extra.map((name) => ({ name, type: { tensorType: { elemType: FLOAT } } }))],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.names.add(name);
  }
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'object' && 'ints' in v) return { name, type: T.INTS, ints: v.ints };
  if (typeof v === 'object' && 'float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.INT, i: v };
}
