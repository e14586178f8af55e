// A small JavaScript evaluator of the ONNX graphs @prometheus/ml exports (LSTM autoencoder, GRU predictor,
// Sentinel), for the edge where onnxruntime's own memory is the problem: under armv7 the wasm runtime alone
// adds ~150 MB to the agent. It reads the model with onnx-proto, folds everything that depends only on
// weights (DequantizeLinear of int8 matrices, shapes) once at load, and runs the rest per call in float32.
// It refuses at load any operator or attribute it does not implement, so it never guesses.
import onnxProto from 'onnx-proto';
import type { Tensor } from './onnx-js-kernels.js';
import { broadcast, gemm, gru, lstm, matMul, reduceMean, transpose, unary } from './onnx-js-kernels.js';
import type { OrtModule, OrtSession, OrtTensor } from './runtime.js';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;
type Attribute = onnxProto.onnx.IAttributeProto;

/** Integer tensors (axes, shapes) and int8 weights are kept apart from float activations. */
type Value = { kind: 'f32'; t: Tensor } | { kind: 'int'; dims: number[]; data: number[] };

const SUPPORTED = new Set(['Transpose', 'LSTM', 'GRU', 'Squeeze', 'Unsqueeze', 'Expand', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Relu', 'Sigmoid', 'Tanh', 'ReduceMean', 'Identity', 'DequantizeLinear']);

function attrs(node: Node): Map<string, Attribute> {
  return new Map((node.attribute ?? []).map((a) => [a.name as string, a]));
}
const intOf = (a: Attribute | undefined, fallback: number): number => (a ? Number(a.i) : fallback);
const floatOf = (a: Attribute | undefined, fallback: number): number => (a?.f !== undefined && a.f !== null ? Number(a.f) : fallback);
const intsOf = (a: Attribute | undefined): number[] | undefined => (a ? (a.ints ?? []).map(Number) : undefined);

function copyBytes(raw: Uint8Array): ArrayBuffer {
  return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
}

function initializer(t: onnxProto.onnx.ITensorProto): Value {
  const dims = (t.dims ?? []).map(Number);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  switch (t.dataType) {
    case onnx.TensorProto.DataType.FLOAT:
      return { kind: 'f32', t: { dims, data: raw ? new Float32Array(copyBytes(raw)) : Float32Array.from(t.floatData ?? []) } };
    case onnx.TensorProto.DataType.INT64:
      return { kind: 'int', dims, data: raw ? Array.from(new BigInt64Array(copyBytes(raw)), Number) : (t.int64Data ?? []).map(Number) };
    case onnx.TensorProto.DataType.INT8:
      return { kind: 'int', dims, data: raw ? Array.from(new Int8Array(copyBytes(raw))) : (t.int32Data ?? []).map(Number) };
    default:
      throw new Error(`initializer ${t.name}: data type ${t.dataType} is not supported`);
  }
}

/** Refuses, at load, what the kernels do not implement. */
function check(node: Node): void {
  const op = node.opType as string;
  if (node.domain && node.domain !== 'ai.onnx') throw new Error(`operator domain ${node.domain} is not supported`);
  if (!SUPPORTED.has(op)) throw new Error(`operator ${op} is not supported by the JavaScript runtime`);
  const a = attrs(node);
  if (op === 'LSTM' || op === 'GRU') {
    const direction = a.get('direction')?.s;
    if (direction && new TextDecoder().decode(direction) !== 'forward') throw new Error(`${op}: only forward direction is supported`);
    for (const name of ['activations', 'activation_alpha', 'activation_beta', 'clip']) if (a.has(name)) throw new Error(`${op}: attribute ${name} is not supported`);
    for (const name of ['input_forget', 'layout']) if (intOf(a.get(name), 0) !== 0) throw new Error(`${op}: attribute ${name} is not supported`);
    if ((node.input ?? []).slice(4).some((i) => i)) throw new Error(`${op}: sequence_lens, initial states and peepholes are not supported`);
    if (op === 'GRU' && intOf(a.get('linear_before_reset'), 0) !== 1) throw new Error('GRU: only linear_before_reset = 1 is supported');
  }
  if (op === 'DequantizeLinear' && a.has('axis') && intOf(a.get('axis'), 1) !== 1) throw new Error('DequantizeLinear: only per-tensor scales are supported');
}

function f32(v: Value | undefined, what: string): Tensor {
  if (!v) throw new Error(`${what}: input missing`);
  if (v.kind === 'f32') return v.t;
  return { dims: v.dims, data: Float32Array.from(v.data) };
}
function ints(v: Value | undefined, what: string): number[] {
  if (!v || v.kind !== 'int') throw new Error(`${what}: expected an integer tensor`);
  return v.data;
}
const out = (t: Tensor): Value => ({ kind: 'f32', t });

function squeeze(x: Tensor, axes: number[]): Tensor {
  const rank = x.dims.length;
  const drop = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  return { dims: x.dims.filter((d, k) => !(drop.has(k) && d === 1)), data: x.data };
}

function unsqueeze(x: Tensor, axes: number[]): Tensor {
  const rank = x.dims.length + axes.length;
  const add = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const dims: number[] = [];
  let src = 0;
  for (let k = 0; k < rank; k++) dims.push(add.has(k) ? 1 : (x.dims[src++] as number));
  return { dims, data: x.data };
}

const binary = { Add: (x: number, y: number) => x + y, Sub: (x: number, y: number) => x - y, Mul: (x: number, y: number) => x * y, Div: (x: number, y: number) => x / y };

/** Evaluates one node; inputs by position, '' for an absent optional input. */
function evaluate(node: Node, input: (Value | undefined)[]): Value[] {
  const op = node.opType as keyof typeof binary | keyof typeof unary | string;
  const a = attrs(node);
  const name = `${op} ${node.name ?? ''}`;
  switch (op) {
    case 'Identity':
      return [input[0] as Value];
    case 'Transpose':
      return [out(transpose(f32(input[0], name), intsOf(a.get('perm'))))];
    case 'Squeeze':
      return [out(squeeze(f32(input[0], name), input[1] ? ints(input[1], name) : (intsOf(a.get('axes')) ?? [])))];
    case 'Unsqueeze':
      return [out(unsqueeze(f32(input[0], name), input[1] ? ints(input[1], name) : (intsOf(a.get('axes')) ?? [])))];
    case 'Expand': {
      const shape = ints(input[1], name);
      return [out(broadcast(f32(input[0], name), { dims: shape, data: new Float32Array(shape.reduce((p, d) => p * d, 1)) }, (x) => x))];
    }
    case 'Gemm':
      return [out(gemm(f32(input[0], name), f32(input[1], name), input[2] ? f32(input[2], name) : undefined, intOf(a.get('transA'), 0) === 1, intOf(a.get('transB'), 0) === 1, floatOf(a.get('alpha'), 1), floatOf(a.get('beta'), 1)))];
    case 'MatMul':
      return [out(matMul(f32(input[0], name), f32(input[1], name)))];
    case 'Add': case 'Sub': case 'Mul': case 'Div':
      return [out(broadcast(f32(input[0], name), f32(input[1], name), binary[op]))];
    case 'Relu': case 'Sigmoid': case 'Tanh': {
      const x = f32(input[0], name);
      return [out({ dims: x.dims, data: x.data.map(unary[op]) })];
    }
    case 'ReduceMean':
      return [out(reduceMean(f32(input[0], name), input[1] ? ints(input[1], name) : intsOf(a.get('axes')), intOf(a.get('keepdims'), 1) === 1))];
    case 'DequantizeLinear': {
      const q = input[0];
      if (!q || q.kind !== 'int') throw new Error(`${name}: expected int8 weights`);
      const scale = f32(input[1], name).data[0] as number;
      const zero = input[2] ? (ints(input[2], name)[0] as number) : 0;
      return [out({ dims: q.dims, data: Float32Array.from(q.data, (v) => Math.fround((v - zero) * scale)) })];
    }
    case 'LSTM': case 'GRU': {
      const run = op === 'LSTM' ? lstm : gru;
      const r = run(f32(input[0], name), f32(input[1], name), f32(input[2], name), input[3] ? f32(input[3], name) : undefined, intOf(a.get('hidden_size'), 0));
      return [out(r.y), out(r.yh)];
    }
    default:
      throw new Error(`operator ${op} is not supported by the JavaScript runtime`);
  }
}

export interface JsGraph {
  inputs: string[];
  outputs: string[];
  run(feeds: Record<string, Tensor>): Record<string, Tensor>;
}

/** Parses and checks a model, folds its constant part, and returns a runner of the rest. */
export function loadJsGraph(bytes: Uint8Array): JsGraph {
  const model = onnx.ModelProto.decode(bytes);
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!opset || Number(opset.version) > 17) throw new Error(`the JavaScript runtime reads opset <= 17 models; this one is opset ${opset ? Number(opset.version) : 'unknown'}`);
  const graph = model.graph;
  if (!graph) throw new Error('the model has no graph');
  const constants = new Map<string, Value>((graph.initializer ?? []).map((t) => [t.name as string, initializer(t)]));
  const nodes = graph.node ?? [];
  nodes.forEach(check);
  const inputs = (graph.input ?? []).map((i) => i.name as string).filter((n) => !constants.has(n));
  const known = (values: Map<string, Value>, n: Node) => (n.input ?? []).every((i) => !i || values.has(i));
  const emit = (values: Map<string, Value>, n: Node) => evaluate(n, (n.input ?? []).map((i) => (i ? values.get(i) : undefined))).forEach((v, k) => {
    const o = n.output?.[k];
    if (o) values.set(o, v);
  });
  // Weight-only nodes (dequantized matrices, fixed shapes) run once here, not on every window.
  const live: Node[] = [];
  for (const n of nodes) {
    if (known(constants, n)) emit(constants, n);
    else live.push(n);
  }
  const outputs = (graph.output ?? []).map((o) => o.name as string);
  return {
    inputs, outputs,
    run(feeds) {
      const values = new Map(constants);
      for (const [k, t] of Object.entries(feeds)) values.set(k, out(t));
      for (const n of live) {
        if (!known(values, n)) throw new Error(`node ${n.name}: an input is missing (inputs are ${inputs.join(', ')})`);
        emit(values, n);
      }
      return Object.fromEntries(outputs.map((o) => [o, f32(values.get(o), `output ${o}`)]));
    },
  };
}

/** The evaluator behind the same small API the onnxruntime packages offer (see runtime.ts). */
export const onnxJs: OrtModule = {
  Tensor: class {
    readonly type = 'float32';
    constructor(_type: 'float32', readonly data: Float32Array, readonly dims: number[]) {}
  } as unknown as OrtModule['Tensor'],
  InferenceSession: {
    async create(bytes: Uint8Array): Promise<OrtSession> {
      const graph = loadJsGraph(bytes);
      return {
        async run(feeds: Record<string, OrtTensor>) {
          const tensors = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { dims: [...t.dims], data: t.data as Float32Array }]));
          return graph.run(tensors);
        },
      };
    },
  },
  env: { wasm: {} },
};
