// Kernels of the ONNX operators our exports use (opset 17), float32 in and out, written for the shapes the
// exports produce. Semantics follow the ONNX operator documentation; anything outside what the exports use
// (bidirectional RNNs, sequence lengths, peepholes, other activations) is refused where the node is read.

export interface Tensor {
  dims: number[];
  data: Float32Array;
}

const size = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Transpose with a permutation (default: reversed axes). */
export function transpose(x: Tensor, perm?: number[]): Tensor {
  const rank = x.dims.length;
  const p = perm ?? x.dims.map((_, i) => rank - 1 - i);
  const dims = p.map((a) => x.dims[a] as number);
  const inStrides = strides(x.dims);
  const out = new Float32Array(x.data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += (idx[k] as number) * (inStrides[p[k] as number] as number);
    out[o] = x.data[src] as number;
    for (let k = rank - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      if ((idx[k] as number) < (dims[k] as number)) break;
      idx[k] = 0;
    }
  }
  return { dims, data: out };
}

function strides(dims: number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let k = dims.length - 2; k >= 0; k--) s[k] = (s[k + 1] as number) * (dims[k + 1] as number);
  return s;
}

/** Elementwise binary op with numpy broadcasting (Add, Sub, Mul, Div). */
export function broadcast(a: Tensor, b: Tensor, op: (x: number, y: number) => number): Tensor {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...new Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims);
  const db = pad(b.dims);
  const dims = da.map((x, k) => {
    const y = db[k] as number;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a.dims}] and [${b.dims}] do not broadcast`);
    return Math.max(x, y);
  });
  const sa = strides(da).map((s, k) => (da[k] === 1 ? 0 : s));
  const sb = strides(db).map((s, k) => (db[k] === 1 ? 0 : s));
  const out = new Float32Array(size(dims));
  const idx = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = op(a.data[ia] as number, b.data[ib] as number);
    for (let k = rank - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      ia += sa[k] as number;
      ib += sb[k] as number;
      if ((idx[k] as number) < (dims[k] as number)) break;
      ia -= (sa[k] as number) * (dims[k] as number);
      ib -= (sb[k] as number) * (dims[k] as number);
      idx[k] = 0;
    }
  }
  return { dims, data: out };
}

/** MatMul of [..., M, K] by a 2-D [K, N] (what the exports multiply). */
export function matMul(a: Tensor, b: Tensor): Tensor {
  if (b.dims.length !== 2) throw new Error('MatMul: only a 2-D right operand is supported');
  const [K, N] = b.dims as [number, number];
  if (a.dims[a.dims.length - 1] !== K) throw new Error(`MatMul: [${a.dims}] x [${b.dims}] do not match`);
  const rows = a.data.length / K;
  const out = new Float32Array(rows * N);
  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (a.data[r * K + k] as number) * (b.data[k * N + n] as number);
      out[r * N + n] = s;
    }
  }
  return { dims: [...a.dims.slice(0, -1), N], data: out };
}

/** Gemm: alpha * A' * B' + beta * C, A [M, K] (or transA), B [K, N] (or transB), C broadcast to [M, N]. */
export function gemm(a: Tensor, b: Tensor, c: Tensor | undefined, transA: boolean, transB: boolean, alpha: number, beta: number): Tensor {
  const [M, K] = (transA ? [a.dims[1], a.dims[0]] : a.dims) as [number, number];
  const N = (transB ? b.dims[0] : b.dims[1]) as number;
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const x = a.data[transA ? k * M + m : m * K + k] as number;
        const y = b.data[transB ? n * K + k : k * N + n] as number;
        s += x * y;
      }
      out[m * N + n] = alpha * s;
    }
  }
  const result: Tensor = { dims: [M, N], data: out };
  return c ? broadcast(result, { dims: c.dims, data: c.data.map((v) => beta * v) }, (x, y) => x + y) : result;
}

/** ReduceMean over `axes` (negative allowed); keepdims keeps them as size 1. */
export function reduceMean(x: Tensor, axes: number[] | undefined, keepdims: boolean): Tensor {
  const rank = x.dims.length;
  const reduced = new Set((axes ?? x.dims.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a)));
  const outDims = x.dims.map((d, k) => (reduced.has(k) ? 1 : d));
  const sums = new Float64Array(size(outDims));
  const so = strides(outDims);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let k = 0; k < rank; k++) if (!reduced.has(k)) o += (idx[k] as number) * (so[k] as number);
    sums[o] = (sums[o] as number) + (x.data[i] as number);
    for (let k = rank - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      if ((idx[k] as number) < (x.dims[k] as number)) break;
      idx[k] = 0;
    }
  }
  const count = x.data.length / sums.length;
  const dims = keepdims ? outDims : x.dims.filter((_, k) => !reduced.has(k));
  return { dims, data: Float32Array.from(sums, (s) => s / count) };
}

// Recurrent weights as float64, converted once per weight tensor: the products then need no float32 -> float64
// conversion per multiply-add (under qemu each one is a soft-float call).
const wide = new WeakMap<Float32Array, Float64Array>();
function widened(w: Float32Array): Float64Array {
  let d = wide.get(w);
  if (!d) wide.set(w, (d = Float64Array.from(w)));
  return d;
}

/** Dot product of a[ao..ao+n) and b[bo..bo+n), four accumulators (fewer loop and bounds checks per product). */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += (a[ao + k] as number) * (b[bo + k] as number);
    s1 += (a[ao + k + 1] as number) * (b[bo + k + 1] as number);
    s2 += (a[ao + k + 2] as number) * (b[bo + k + 2] as number);
    s3 += (a[ao + k + 3] as number) * (b[bo + k + 3] as number);
  }
  for (; k < n; k++) s0 += (a[ao + k] as number) * (b[bo + k] as number);
  return s0 + s1 + s2 + s3;
}

/** W [G, in] x X[t] + Wb and R [G, h] x h_prev + Rb for every batch row: the pre-activation gates, split. */
function stepGates(x: Float64Array, t: number, batch: number, inSize: number, W: Float64Array, Wb: Float32Array, R: Float64Array, Rb: Float32Array, h: Float64Array, hidden: number, xGates: Float64Array, hGates: Float64Array): void {
  const G = Wb.length;
  for (let n = 0; n < batch; n++) {
    const xo = (t * batch + n) * inSize;
    for (let g = 0; g < G; g++) {
      xGates[n * G + g] = (Wb[g] as number) + dot(W, g * inSize, x, xo, inSize);
      hGates[n * G + g] = (Rb[g] as number) + dot(R, g * hidden, h, n * hidden, hidden);
    }
  }
}

export interface RnnOutput {
  y: Tensor;
  yh: Tensor;
}

interface RnnState {
  T: number;
  N: number;
  inSize: number;
  x: Float64Array;
  W: Float64Array;
  R: Float64Array;
  Wb: Float32Array;
  Rb: Float32Array;
  h: Float64Array;
  y: Float32Array;
  xGates: Float64Array;
  hGates: Float64Array;
}

function rnnState(x: Tensor, W: Tensor, R: Tensor, B: Tensor | undefined, hidden: number, gateCount: number): RnnState {
  const [T, N, inSize] = x.dims as [number, number, number];
  const G = gateCount * hidden;
  return {
    T, N, inSize,
    x: Float64Array.from(x.data), W: widened(W.data), R: widened(R.data),
    Wb: B ? B.data.subarray(0, G) : new Float32Array(G), Rb: B ? B.data.subarray(G, 2 * G) : new Float32Array(G),
    h: new Float64Array(N * hidden), y: new Float32Array(T * N * hidden), xGates: new Float64Array(N * G), hGates: new Float64Array(N * G),
  };
}

function rnnOutput(s: RnnState, hidden: number): RnnOutput {
  return { y: { dims: [s.T, 1, s.N, hidden], data: s.y }, yh: { dims: [1, s.N, hidden], data: Float32Array.from(s.h) } };
}

// The time loops stay in the interpreter and call small cell functions, which TurboFan compiles as ordinary
// hot calls. A time loop that TurboFan entered mid-way (on-stack replacement) met the code after it with no type
// feedback and deoptimized on every call (seen with --trace-deopt in the armv7 agent): each round compiled the
// function again, and under emulation each new piece of machine code is translated again.

function lstmCell(xg: Float64Array, hg: Float64Array, c: Float64Array, h: Float64Array, y: Float32Array, yAt: number, N: number, hidden: number): void {
  const G = 4 * hidden;
  for (let n = 0; n < N; n++) {
    const b = n * G;
    for (let j = 0; j < hidden; j++) {
      const i = sigmoid((xg[b + j] as number) + (hg[b + j] as number));
      const o = sigmoid((xg[b + hidden + j] as number) + (hg[b + hidden + j] as number));
      const f = sigmoid((xg[b + 2 * hidden + j] as number) + (hg[b + 2 * hidden + j] as number));
      const g = Math.tanh((xg[b + 3 * hidden + j] as number) + (hg[b + 3 * hidden + j] as number));
      const cj = f * (c[n * hidden + j] as number) + i * g;
      c[n * hidden + j] = cj;
      const hj = o * Math.tanh(cj);
      h[n * hidden + j] = hj;
      y[yAt + n * hidden + j] = hj;
    }
  }
}

function gruCell(xg: Float64Array, hg: Float64Array, h: Float64Array, y: Float32Array, yAt: number, N: number, hidden: number): void {
  const G = 3 * hidden;
  for (let n = 0; n < N; n++) {
    const b = n * G;
    for (let j = 0; j < hidden; j++) {
      const z = sigmoid((xg[b + j] as number) + (hg[b + j] as number));
      const r = sigmoid((xg[b + hidden + j] as number) + (hg[b + hidden + j] as number));
      const cand = Math.tanh((xg[b + 2 * hidden + j] as number) + r * (hg[b + 2 * hidden + j] as number));
      const hj = (1 - z) * cand + z * (h[n * hidden + j] as number);
      h[n * hidden + j] = hj;
      y[yAt + n * hidden + j] = hj;
    }
  }
}

/** ONNX LSTM, forward, default activations (sigmoid, tanh, tanh), gates i, o, f, c; X [T, N, in]. */
export function lstm(x: Tensor, W: Tensor, R: Tensor, B: Tensor | undefined, hidden: number): RnnOutput {
  const s = rnnState(x, W, R, B, hidden, 4);
  const c = new Float64Array(s.N * hidden);
  for (let t = 0; t < s.T; t++) {
    stepGates(s.x, t, s.N, s.inSize, s.W, s.Wb, s.R, s.Rb, s.h, hidden, s.xGates, s.hGates);
    lstmCell(s.xGates, s.hGates, c, s.h, s.y, t * s.N * hidden, s.N, hidden);
  }
  return rnnOutput(s, hidden);
}

/** ONNX GRU, forward, linear_before_reset = 1, gates z, r, h; X [T, N, in]. */
export function gru(x: Tensor, W: Tensor, R: Tensor, B: Tensor | undefined, hidden: number): RnnOutput {
  const s = rnnState(x, W, R, B, hidden, 3);
  for (let t = 0; t < s.T; t++) {
    stepGates(s.x, t, s.N, s.inSize, s.W, s.Wb, s.R, s.Rb, s.h, hidden, s.xGates, s.hGates);
    gruCell(s.xGates, s.hGates, s.h, s.y, t * s.N * hidden, s.N, hidden);
  }
  return rnnOutput(s, hidden);
}

export const unary = {
  Relu: (v: number) => (v > 0 ? v : 0),
  Sigmoid: sigmoid,
  Tanh: Math.tanh,
} as const;
