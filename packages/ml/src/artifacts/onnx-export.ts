import type { ModelSpec, TorchGroup } from '../model/spec.js';
import { torchGroups, torchTensors } from '../model/spec.js';
import type { QuantizedWeights } from './quantize.js';
import { encodeModel, GraphBuilder, intAttr, intsAttr, valueInfo } from './onnx-graph.js';

// Standard ONNX ops only (LSTM, GRU, Gemm, MatMul, ReduceMean...), opset 17, so any runtime runs it.
// Graph input "window" [N, T, F] (z-scored); outputs per architecture:
//   lstm_autoencoder: "reconstruction" [N, T, F] and "score" [N] (mean squared error per window)
//   gru_predictor:    "probabilities" [N, 3] (fault within 5, 15, 30 min)
//   sentinel:         "probability" [N, 1] (fault; health = 1 - probability)

type Tensors = Map<string, { data: Float32Array; shape: number[]; q: { q: Int8Array; scale: number } | null }>;

function splitFlat(spec: ModelSpec, flat: Float32Array, quantized: QuantizedWeights | null): Tensors {
  const map: Tensors = new Map();
  let offset = 0;
  const qByName = new Map(quantized?.tensors.map((t) => [t.name, t]) ?? []);
  for (const t of torchGroups(spec).flatMap(torchTensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const qt = qByName.get(t.name);
    map.set(t.name, { data: flat.slice(offset, offset + n), shape: t.shape, q: qt?.q ? { q: qt.q, scale: qt.scale } : null });
    offset += n;
  }
  return map;
}

/** Reorders gate blocks of a [G*h, ...] tensor (rows) from PyTorch order to ONNX order. */
function reorderGates<T extends Float32Array | Int8Array>(src: T, hidden: number, order: number[]): T {
  const rowSize = src.length / (order.length * hidden);
  const out = new (src.constructor as new (n: number) => T)(src.length);
  order.forEach((from, to) => out.set(src.subarray(from * hidden * rowSize, (from + 1) * hidden * rowSize), to * hidden * rowSize));
  return out;
}

// ONNX LSTM gates are i,o,f,c; PyTorch's i,f,g,o. ONNX GRU gates are z,r,h; PyTorch's r,z,n.
const LSTM_ORDER = [0, 3, 1, 2];
const GRU_ORDER = [1, 0, 2];

function gated(t: Tensors, name: string, hidden: number, order: number[]): { data: Float32Array; q: { q: Int8Array; scale: number } | null } {
  const src = t.get(name)!;
  return { data: reorderGates(src.data, hidden, order), q: src.q ? { q: reorderGates(src.q.q, hidden, order), scale: src.q.scale } : null };
}

/** One recurrent layer over time-major input [T, N, in]; returns Y [T, N, h] and Y_h [N, h]. */
function recurrentLayer(g: GraphBuilder, t: Tensors, group: Extract<TorchGroup, { kind: 'lstm' | 'gru' }>, x: string): { y: string; last: string } {
  const h = group.hidden;
  const order = group.kind === 'lstm' ? LSTM_ORDER : GRU_ORDER;
  const gates = order.length * h;
  const w = gated(t, `${group.name}.weight_ih`, h, order);
  const r = gated(t, `${group.name}.weight_hh`, h, order);
  const bias = new Float32Array(2 * gates);
  bias.set(reorderGates(t.get(`${group.name}.bias_ih`)!.data, h, order), 0);
  bias.set(reorderGates(t.get(`${group.name}.bias_hh`)!.data, h, order), gates);
  const W = g.weight(`${group.name}_W`, [1, gates, group.inFeatures], w.data, w.q);
  const R = g.weight(`${group.name}_R`, [1, gates, h], r.data, r.q);
  const B = g.floatTensor(`${group.name}_B`, [1, 2 * gates], bias);
  const attrs = [intAttr('hidden_size', h)];
  if (group.kind === 'gru') attrs.push(intAttr('linear_before_reset', 1));
  const [y, yh] = g.node(group.kind.toUpperCase(), [x, W, R, B], attrs, [g.fresh(`${group.name}_Y`), g.fresh(`${group.name}_Yh`)]) as [string, string];
  const axis1 = g.int64Tensor(g.fresh('axis1'), [1]);
  const axis0 = g.int64Tensor(g.fresh('axis0'), [0]);
  return { y: g.one('Squeeze', [y, axis1]), last: g.one('Squeeze', [yh, axis0]) };
}

function linear(g: GraphBuilder, t: Tensors, name: string, x: string, activation?: 'Relu' | 'Sigmoid'): string {
  const w = t.get(`${name}.weight`)!;
  const W = g.weight(`${name}_W`, w.shape, w.data, w.q);
  const b = g.floatTensor(`${name}_b`, [w.shape[0] as number], t.get(`${name}.bias`)!.data);
  const y = g.one('Gemm', [x, W, b], [intAttr('transB', 1)]);
  return activation ? g.one(activation, [y]) : y;
}

function rnnStack(g: GraphBuilder, t: Tensors, groups: TorchGroup[], prefix: string, x: string): { y: string; last: string } {
  let out = { y: x, last: '' };
  for (const group of groups.filter((gr) => gr.name.startsWith(`${prefix}_`))) {
    if (group.kind === 'linear') continue;
    out = recurrentLayer(g, t, group, out.y);
  }
  return out;
}

/** The frozen linear stage as constants: residual = (window - offset) @ residual matrix, [N, T, F]. */
function linearResidual(g: GraphBuilder, spec: ModelSpec): string | null {
  const stage = spec.linear;
  if (!stage) return null;
  const F = spec.inputFeatures;
  const centred = g.one('Sub', ['window', g.floatTensor('linear_offset', [F], Float32Array.from(stage.offset))]);
  return g.one('MatMul', [centred, g.floatTensor('linear_residual', [F, F], Float32Array.from(stage.residual))]);
}

function autoencoder(g: GraphBuilder, t: Tensors, spec: ModelSpec, groups: TorchGroup[]): string[] {
  // With a linear stage the LSTM sees what PCA leaves; its output corrects the linear reconstruction.
  const residual = linearResidual(g, spec);
  const timeMajor = g.one('Transpose', [residual ?? 'window'], [intsAttr('perm', [1, 0, 2])]);
  const enc = rnnStack(g, t, groups, 'encoder', timeMajor);
  const code = linear(g, t, 'expand', linear(g, t, 'bottleneck', enc.last));
  const repeated = g.one('Expand', [g.one('Unsqueeze', [code, g.int64Tensor('axis_u0', [0])]), g.int64Tensor('repeat_shape', [spec.sequenceLength, 1, 1])]);
  const dec = rnnStack(g, t, groups, 'decoder', repeated);
  const w = t.get('output.weight')!;
  const W = g.weight('output_W', w.shape, w.data, w.q);
  const projected = g.one('Add', [g.one('MatMul', [dec.y, g.one('Transpose', [W])]), g.floatTensor('output_b', [spec.inputFeatures], t.get('output.bias')!.data)]);
  if (residual) {
    const correction = g.one('Transpose', [projected], [intsAttr('perm', [1, 0, 2])]);
    g.node('Add', [g.one('Sub', ['window', residual]), correction], [], ['reconstruction']);
  } else {
    g.node('Transpose', [projected], [intsAttr('perm', [1, 0, 2])], ['reconstruction']);
  }
  const diff = g.one('Sub', ['reconstruction', 'window']);
  g.node('ReduceMean', [g.one('Mul', [diff, diff])], [intsAttr('axes', [1, 2]), intAttr('keepdims', 0)], ['score']);
  return ['reconstruction', 'score'];
}

/** Encodes the model as ONNX; with `quantized`, weight matrices are stored int8 + DequantizeLinear. */
export function exportOnnx(spec: ModelSpec, flat: Float32Array, quantized: QuantizedWeights | null = null, metadata: Record<string, string> = {}): Uint8Array {
  const g = new GraphBuilder();
  const t = splitFlat(spec, flat, quantized);
  const groups = torchGroups(spec);
  const T = spec.sequenceLength;
  let outputs: { name: string; dims: (number | string)[] }[];
  if (spec.architecture === 'sentinel') {
    const mean = g.one('ReduceMean', ['window'], [intsAttr('axes', [1]), intAttr('keepdims', 0)]);
    g.node('Identity', [linear(g, t, 'output', linear(g, t, 'fc2', linear(g, t, 'fc1', mean, 'Relu'), 'Relu'), 'Sigmoid')], [], ['probability']);
    outputs = [{ name: 'probability', dims: ['N', 1] }];
  } else {
    if (spec.architecture === 'lstm_autoencoder') {
      autoencoder(g, t, spec, groups);
      outputs = [{ name: 'reconstruction', dims: ['N', T, spec.inputFeatures] }, { name: 'score', dims: ['N'] }];
    } else {
      const timeMajor = g.one('Transpose', ['window'], [intsAttr('perm', [1, 0, 2])]);
      const last = rnnStack(g, t, groups, 'gru', timeMajor).last;
      g.node('Identity', [linear(g, t, 'output', linear(g, t, 'head', last, 'Relu'), 'Sigmoid')], [], ['probabilities']);
      outputs = [{ name: 'probabilities', dims: ['N', 3] }];
    }
  }
  const meta = { architecture: spec.architecture, quantized: String(quantized !== null), ...metadata };
  return encodeModel(g, [valueInfo('window', ['N', T, spec.inputFeatures])], outputs.map((o) => valueInfo(o.name, o.dims)), meta);
}

