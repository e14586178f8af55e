import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';

// Fused LSTM/GRU cell kernels for the wasm backend, written in JS over views of the wasm heap.
// Built from tfjs ops, one cell step is ~10 kernels forward and ~25 backward, each with ~20 us of
// dispatch overhead on tensors of only B x h elements; these do a step in one kernel each way.
// Gate order is PyTorch's (LSTM i,f,g,o; GRU r,z,n).

export const LSTM_CELL = 'PrometheusLstmCell';
export const LSTM_CELL_GRAD = 'PrometheusLstmCellGrad';
export const GRU_CELL = 'PrometheusGruCell';
export const GRU_CELL_GRAD = 'PrometheusGruCellGrad';

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}
type Args = Parameters<KernelFunc>[0];

// exp by range reduction (x = k ln2 + r, |r| <= ln2/2) and a degree-8 Taylor polynomial: max relative
// error 7e-9 (below float32's 6e-8), ~1.3-2x faster here than Math.exp, and the cells spend most of
// their time in exp. Inputs are clamped to float32's exp range; sigmoid and tanh saturate long before.
const LOG2E = 1.4426950408889634;
const LN2 = 0.6931471805599453;
const POW2 = Float64Array.from({ length: 256 }, (_, i) => 2 ** (i - 127));

function exp(x: number): number {
  const c = x > 88 ? 88 : x < -88 ? -88 : x;
  const k = Math.round(c * LOG2E);
  const r = c - k * LN2;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r / 40320)))))));
  return p * (POW2[k + 127] as number);
}

const sigmoid = (x: number): number => 1 / (1 + exp(-x));
const tanh = (x: number): number => 1 - 2 / (exp(2 * x) + 1);

/** Allocates all outputs first (an allocation may grow and detach the heap), then takes views. */
function run(args: Args, inputNames: string[], outputShapes: number[][], body: (ins: Float32Array[], outs: Float32Array[]) => void): TensorInfo[] {
  const backend = args.backend as unknown as WasmBackend;
  const outputs = outputShapes.map((s) => backend.makeOutput(s, 'float32'));
  const ins = inputNames.map((n) => backend.typedArrayFromHeap(args.inputs[n] as TensorInfo));
  body(ins, outputs.map((o) => backend.typedArrayFromHeap(o)));
  return outputs;
}

/** z [B,4h] pre-activations, c [B,h] -> h [B,h], c' [B,h], gates [B,4h] (activated). */
function lstmCell(args: Args): TensorInfo[] {
  const [B, G] = (args.inputs.z as TensorInfo).shape as [number, number];
  const H = G / 4;
  return run(args, ['z', 'c'], [[B, H], [B, H], [B, G]], ([z, c], [h, cn, g]) => {
    for (let b = 0; b < B; b++) {
      const zo = b * G;
      const ho = b * H;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(z![zo + j]!);
        const f = sigmoid(z![zo + H + j]!);
        const gg = tanh(z![zo + 2 * H + j]!);
        const o = sigmoid(z![zo + 3 * H + j]!);
        const cv = f * c![ho + j]! + i * gg;
        cn![ho + j] = cv;
        h![ho + j] = o * tanh(cv);
        g![zo + j] = i;
        g![zo + H + j] = f;
        g![zo + 2 * H + j] = gg;
        g![zo + 3 * H + j] = o;
      }
    }
  });
}

/** gates, cPrev, c, dh, dc -> dz [B,4h] (pre-activation gradient), dcPrev [B,h]. */
function lstmCellGrad(args: Args): TensorInfo[] {
  const [B, G] = (args.inputs.gates as TensorInfo).shape as [number, number];
  const H = G / 4;
  return run(args, ['gates', 'cPrev', 'c', 'dh', 'dc'], [[B, G], [B, H]], ([g, cp, c, dh, dc], [dz, dcp]) => {
    for (let b = 0; b < B; b++) {
      const zo = b * G;
      const ho = b * H;
      for (let j = 0; j < H; j++) {
        const i = g![zo + j]!;
        const f = g![zo + H + j]!;
        const gg = g![zo + 2 * H + j]!;
        const o = g![zo + 3 * H + j]!;
        const tc = tanh(c![ho + j]!);
        const d = dh![ho + j]!;
        const dct = dc![ho + j]! + d * o * (1 - tc * tc);
        dz![zo + j] = dct * gg * i * (1 - i);
        dz![zo + H + j] = dct * cp![ho + j]! * f * (1 - f);
        dz![zo + 2 * H + j] = dct * i * (1 - gg * gg);
        dz![zo + 3 * H + j] = d * tc * o * (1 - o);
        dcp![ho + j] = dct * f;
      }
    }
  });
}

/** xw [B,3h] (x W + b_ih), hu [B,3h] (h U + b_hh), hPrev [B,h] -> h [B,h], gates [B,3h] (r, z, n). */
function gruCell(args: Args): TensorInfo[] {
  const [B, G] = (args.inputs.xw as TensorInfo).shape as [number, number];
  const H = G / 3;
  return run(args, ['xw', 'hu', 'hPrev'], [[B, H], [B, G]], ([xw, hu, hp], [h, g]) => {
    for (let b = 0; b < B; b++) {
      const zo = b * G;
      const ho = b * H;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(xw![zo + j]! + hu![zo + j]!);
        const z = sigmoid(xw![zo + H + j]! + hu![zo + H + j]!);
        const n = tanh(xw![zo + 2 * H + j]! + r * hu![zo + 2 * H + j]!);
        h![ho + j] = n + z * (hp![ho + j]! - n);
        g![zo + j] = r;
        g![zo + H + j] = z;
        g![zo + 2 * H + j] = n;
      }
    }
  });
}

/** gates, hu, hPrev, dh -> dxw [B,3h], dhu [B,3h], dhPrev through the direct path only [B,h]. */
function gruCellGrad(args: Args): TensorInfo[] {
  const [B, G] = (args.inputs.gates as TensorInfo).shape as [number, number];
  const H = G / 3;
  return run(args, ['gates', 'hu', 'hPrev', 'dh'], [[B, G], [B, G], [B, H]], ([g, hu, hp, dh], [dxw, dhu, dhp]) => {
    for (let b = 0; b < B; b++) {
      const zo = b * G;
      const ho = b * H;
      for (let j = 0; j < H; j++) {
        const r = g![zo + j]!;
        const z = g![zo + H + j]!;
        const n = g![zo + 2 * H + j]!;
        const d = dh![ho + j]!;
        const dn = d * (1 - z) * (1 - n * n);
        const dr = dn * hu![zo + 2 * H + j]! * r * (1 - r);
        const dzp = d * (hp![ho + j]! - n) * z * (1 - z);
        dxw![zo + j] = dr;
        dxw![zo + H + j] = dzp;
        dxw![zo + 2 * H + j] = dn;
        dhu![zo + j] = dr;
        dhu![zo + H + j] = dzp;
        dhu![zo + 2 * H + j] = dn * r;
        dhp![ho + j] = d * z;
      }
    }
  });
}

let registered = false;
let enabled = true;

/** Switches the fused path off (tests compare it with plain-op autodiff; benches measure both). */
export function useFusedCells(on: boolean): void {
  enabled = on;
}

export function registerWasmCellKernels(): void {
  if (registered) return;
  const kernels: [string, (a: Args) => TensorInfo[]][] = [[LSTM_CELL, lstmCell], [LSTM_CELL_GRAD, lstmCellGrad], [GRU_CELL, gruCell], [GRU_CELL_GRAD, gruCellGrad]];
  for (const [kernelName, fn] of kernels) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as KernelFunc });
  registered = true;
}

export function cellKernelsAvailable(): boolean {
  return enabled && registered && tf.getBackend() === 'wasm';
}

/** Runs a registered cell kernel outside autodiff (the sequence op supplies its own gradient). */
export function runCell(name: string, inputs: Record<string, tf.Tensor>): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, {}) as unknown as tf.Tensor[];
}
