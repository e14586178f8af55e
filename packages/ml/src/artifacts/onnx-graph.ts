import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Collects nodes and initializers of one ONNX graph; weights may be stored int8 behind DequantizeLinear. */
export class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;

  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  node(opType: string, inputs: string[], attributes: onnxProto.onnx.IAttributeProto[] = [], outputs?: string[]): string[] {
    const outs = outputs ?? [this.fresh(opType.toLowerCase())];
    this.nodes.push({ opType, input: inputs, output: outs, name: this.fresh(`n_${opType}`), attribute: attributes });
    return outs;
  }

  one(opType: string, inputs: string[], attributes: onnxProto.onnx.IAttributeProto[] = []): string {
    return this.node(opType, inputs, attributes)[0] as string;
  }

  floatTensor(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
    return name;
  }

  int64Tensor(name: string, values: number[]): string {
    const raw = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(raw.buffer) });
    return name;
  }

  /** A weight: float32 initializer, or int8 + scale + zero point feeding DequantizeLinear. */
  weight(name: string, dims: number[], data: Float32Array, quantized: { q: Int8Array; scale: number } | null): string {
    if (!quantized) return this.floatTensor(name, dims, data);
    this.initializers.push({ name: `${name}_q`, dims, dataType: onnx.TensorProto.DataType.INT8, rawData: new Uint8Array(quantized.q.buffer.slice(quantized.q.byteOffset, quantized.q.byteOffset + quantized.q.byteLength)) });
    this.floatTensor(`${name}_scale`, [], new Float32Array([quantized.scale]));
    this.initializers.push({ name: `${name}_zero`, dims: [], dataType: onnx.TensorProto.DataType.INT8, rawData: new Uint8Array([0]) });
    return this.node('DequantizeLinear', [`${name}_q`, `${name}_scale`, `${name}_zero`], [], [name])[0] as string;
  }
}

export function intAttr(name: string, i: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

export function intsAttr(name: string, ints: number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

export function stringAttr(name: string, s: string): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) };
}

type Dim = number | string;

export function valueInfo(name: string, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export const OPSET = 17;

export function encodeModel(graph: GraphBuilder, inputs: onnxProto.onnx.IValueInfoProto[], outputs: onnxProto.onnx.IValueInfoProto[], metadata: Record<string, string>): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: '@prometheus/ml',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: { name: 'prometheus', node: graph.nodes, initializer: graph.initializers, input: inputs, output: outputs },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
