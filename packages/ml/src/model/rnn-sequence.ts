import * as tf from '@tensorflow/tfjs';
import { GRU_CELL, GRU_CELL_GRAD, LSTM_CELL, LSTM_CELL_GRAD, runCell } from '../tf/rnn-cell-kernels.js';

// Whole-sequence LSTM/GRU with a hand-written backward pass (BPTT), on the fused cell kernels.
// Forward per step: one recurrent matMul, one add, one cell kernel. Backward per step: one cell
// kernel and one matMul; the weight gradients are then single large products over all steps,
// instead of 60 small ones accumulated one by one as autodiff does.

export interface SequenceOptions {
  /** Input is [B, in] used at every one of `repeat` steps (the autoencoder's decoder). */
  repeat: number | null;
  returnSequences: boolean;
}

type T2 = tf.Tensor2D;

/** Rows of all steps as one [T*B, in] matrix (time-major), from [B,T,in]. */
function timeMajor(x: tf.Tensor): T2 {
  const [b, t, f] = x.shape as [number, number, number];
  return tf.reshape(tf.transpose(x, [1, 0, 2]), [t * b, f]);
}

/** Per-step output gradients (zeros where the output was not used). */
function stepGradients(dy: tf.Tensor, steps: number, returnSequences: boolean): (T2 | null)[] {
  if (!returnSequences) return Array.from({ length: steps }, (_, t) => (t === steps - 1 ? (dy as T2) : null));
  return tf.unstack(tf.transpose(dy, [1, 0, 2])) as T2[];
}

function inputGradients(x: tf.Tensor, dPre: T2, w: T2, opts: SequenceOptions, steps: number): [tf.Tensor, tf.Tensor] {
  const b = x.shape[0] as number;
  if (opts.repeat !== null) {
    const summed = tf.reshape(columnSums(tf.reshape(dPre, [steps, b * w.shape[1]])), [b, w.shape[1]]) as T2;
    return [tf.matMul(summed, w, false, true), tf.matMul(x as T2, summed, true, false)];
  }
  const f = x.shape[2] as number;
  const dx = tf.transpose(tf.reshape(tf.matMul(dPre, w, false, true), [steps, b, f]), [1, 0, 2]);
  return [dx, tf.matMul(timeMajor(x), dPre, true, false)];
}

function projectSteps(x: tf.Tensor, w: T2, bias: tf.Tensor, opts: SequenceOptions): { steps: T2[]; count: number } {
  if (opts.repeat !== null) {
    const p = tf.add(tf.matMul(x as T2, w), bias) as T2;
    return { steps: Array.from({ length: opts.repeat }, () => p), count: opts.repeat };
  }
  const [b, t] = x.shape as [number, number];
  return { steps: tf.unstack(tf.reshape(tf.add(tf.matMul(timeMajor(x), w), bias), [t, b, w.shape[1]])) as T2[], count: t };
}

// Stacking along axis 0 is a plain copy; tfjs-wasm's Pack along axis 1 was ~30x slower.
function output(hs: T2[], returnSequences: boolean): tf.Tensor {
  return returnSequences ? tf.transpose(tf.stack(hs, 0), [1, 0, 2]) : (hs[hs.length - 1] as T2);
}

/**
 * Column sums of a tall matrix as a matrix product (XNNPACK) instead of wasm's slow axis-0 Sum.
 * The ones vector is the right-hand operand on purpose: tfjs-wasm caches XNNPACK operators by the
 * right-hand tensor's id, and a reshaped tensor keeps its id, so a reshape of a matrix already used
 * on the right would hit the old shape's cached operator (seen here: wrong gradients).
 */
function columnSums(m: T2): tf.Tensor1D {
  return tf.reshape(tf.matMul(m, tf.ones([m.shape[0], 1]), true, false), [m.shape[1]]);
}

export function lstmSequence(x: tf.Tensor, w: T2, u: T2, bih: tf.Tensor1D, bhh: tf.Tensor1D, opts: SequenceOptions): tf.Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, wi, ui, bi, bh] = args as [tf.Tensor, T2, T2, tf.Tensor1D, tf.Tensor1D];
    const save = args[5] as (ts: tf.Tensor[]) => void;
    const { steps, count } = projectSteps(xi, wi, tf.add(bi, bh), opts);
    const b = xi.shape[0] as number;
    const hidden = ui.shape[0];
    const zero = tf.zeros([b, hidden]) as T2;
    const hs: T2[] = [];
    const cs: T2[] = [];
    const gates: T2[] = [];
    for (let t = 0; t < count; t++) {
      const z = t === 0 ? (steps[0] as T2) : (tf.add(steps[t] as T2, tf.matMul(hs[t - 1] as T2, ui)) as T2);
      const [h, c, g] = runCell(LSTM_CELL, { z, c: t === 0 ? zero : (cs[t - 1] as T2) }) as [T2, T2, T2];
      hs.push(h);
      cs.push(c);
      gates.push(g);
    }
    save([xi, wi, ui, zero, ...hs, ...cs, ...gates]);
    return {
      value: output(hs, opts.returnSequences),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, su, z0] = saved as [tf.Tensor, T2, T2, T2];
        const H = saved.slice(4, 4 + count) as T2[];
        const C = saved.slice(4 + count, 4 + 2 * count) as T2[];
        const G = saved.slice(4 + 2 * count) as T2[];
        const dOut = stepGradients(dy, count, opts.returnSequences);
        const ut = tf.transpose(su) as T2;
        const dz: T2[] = new Array<T2>(count);
        let dhNext: T2 | null = null;
        let dc: T2 = z0;
        for (let t = count - 1; t >= 0; t--) {
          const o = dOut[t] ?? null;
          const dh = o && dhNext ? (tf.add(o, dhNext) as T2) : (o ?? dhNext ?? z0);
          const [dzt, dcp] = runCell(LSTM_CELL_GRAD, { gates: G[t] as T2, cPrev: t === 0 ? z0 : (C[t - 1] as T2), c: C[t] as T2, dh, dc }) as [T2, T2];
          dz[t] = dzt;
          dc = dcp;
          if (t > 0) dhNext = tf.matMul(dzt, ut) as T2;
        }
        const dPre = tf.concat(dz, 0) as T2;
        const dU = count > 1 ? tf.matMul(tf.concat(H.slice(0, -1), 0) as T2, tf.slice(dPre, [b, 0], [(count - 1) * b, -1]), true, false) : tf.zerosLike(su);
        const db = columnSums(dPre);
        const [dx, dW] = inputGradients(sx, dPre, sw, opts, count);
        return [dx, dW, dU, db, db];
      },
    };
  });
  return op(x, w, u, bih, bhh);
}

export function gruSequence(x: tf.Tensor, w: T2, u: T2, bih: tf.Tensor1D, bhh: tf.Tensor1D, opts: SequenceOptions): tf.Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, wi, ui, bi, bh] = args as [tf.Tensor, T2, T2, tf.Tensor1D, tf.Tensor1D];
    const save = args[5] as (ts: tf.Tensor[]) => void;
    const { steps, count } = projectSteps(xi, wi, bi, opts);
    const b = xi.shape[0] as number;
    const zero = tf.zeros([b, ui.shape[0]]) as T2;
    const hs: T2[] = [];
    const hus: T2[] = [];
    const gates: T2[] = [];
    for (let t = 0; t < count; t++) {
      const hPrev = t === 0 ? zero : (hs[t - 1] as T2);
      const hu = tf.add(tf.matMul(hPrev, ui), bh) as T2;
      const [h, g] = runCell(GRU_CELL, { xw: steps[t] as T2, hu, hPrev }) as [T2, T2];
      hs.push(h);
      hus.push(hu);
      gates.push(g);
    }
    save([xi, wi, ui, zero, ...hs, ...hus, ...gates]);
    return {
      value: output(hs, opts.returnSequences),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, su, z0] = saved as [tf.Tensor, T2, T2, T2];
        const H = saved.slice(4, 4 + count) as T2[];
        const HU = saved.slice(4 + count, 4 + 2 * count) as T2[];
        const G = saved.slice(4 + 2 * count) as T2[];
        const dOut = stepGradients(dy, count, opts.returnSequences);
        const ut = tf.transpose(su) as T2;
        const dxw: T2[] = new Array<T2>(count);
        const dhu: T2[] = new Array<T2>(count);
        let dhNext: T2 | null = null;
        for (let t = count - 1; t >= 0; t--) {
          const o = dOut[t] ?? null;
          const dh = o && dhNext ? (tf.add(o, dhNext) as T2) : (o ?? dhNext ?? z0);
          const [a, c, direct] = runCell(GRU_CELL_GRAD, { gates: G[t] as T2, hu: HU[t] as T2, hPrev: t === 0 ? z0 : (H[t - 1] as T2), dh }) as [T2, T2, T2];
          dxw[t] = a;
          dhu[t] = c;
          dhNext = tf.add(direct, tf.matMul(c, ut)) as T2;
        }
        const dPre = tf.concat(dxw, 0) as T2;
        const dHu = tf.concat(dhu, 0) as T2;
        const dU = tf.matMul(tf.concat([z0, ...H.slice(0, -1)], 0) as T2, dHu, true, false);
        const [dx, dW] = inputGradients(sx, dPre, sw, opts, count);
        return [dx, dW, dU, columnSums(dPre), columnSums(dHu)];
      },
    };
  });
  return op(x, w, u, bih, bhh);
}
