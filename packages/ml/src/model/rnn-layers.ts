import * as tf from '@tensorflow/tfjs';
import { cellKernelsAvailable } from '../tf/rnn-cell-kernels.js';
import { gruSequence, lstmSequence } from './rnn-sequence.js';

// Recurrent layers written for this package instead of tf.layers.lstm/gru, for two reasons:
// - tfjs' GRU has no reset_after=true (PyTorch's and ONNX linear_before_reset=1 formulation),
//   so its weights could not be exported to the PyTorch-ordered .axonml;
// - tfjs' generic RNN loop emits ~150 kernels per time step (masks, hard-sigmoid clips, identities),
//   which dominated training time on the wasm backend. On wasm these run as one op with a
//   hand-written backward pass over fused cell kernels (rnn-sequence.ts); elsewhere (tfjs-node)
//   as ~12 plain tfjs ops per step with autodiff.
// Weights are stored as kernel [in, G*h], recurrent [h, G*h], bias_ih [G*h], bias_hh [G*h]
// with PyTorch's gate order (LSTM i,f,g,o; GRU r,z,n): the export is a transpose, no reordering.

export interface RecurrentArgs {
  units: number;
  returnSequences: boolean;
  name: string;
  /** Input is one vector per sample [B, in], fed at each of `repeat` steps (RepeatVector + RNN, without the copies). */
  repeat?: number;
}

abstract class FusedRecurrent extends tf.layers.Layer {
  protected readonly units: number;
  protected readonly returnSequences: boolean;
  protected readonly repeat: number | null;
  protected abstract readonly gates: number;
  private kernel?: tf.LayerVariable;
  private recurrent?: tf.LayerVariable;
  private biasIh?: tf.LayerVariable;
  private biasHh?: tf.LayerVariable;

  constructor(args: RecurrentArgs) {
    super({ name: args.name });
    this.units = args.units;
    this.returnSequences = args.returnSequences;
    this.repeat = args.repeat ?? null;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inFeatures = shape[shape.length - 1] as number;
    const width = this.gates * this.units;
    const zeros = tf.initializers.zeros();
    this.kernel = this.addWeight('kernel', [inFeatures, width], 'float32', zeros);
    this.recurrent = this.addWeight('recurrent_kernel', [this.units, width], 'float32', zeros);
    this.biasIh = this.addWeight('bias_ih', [width], 'float32', zeros);
    this.biasHh = this.addWeight('bias_hh', [width], 'float32', zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const steps = this.repeat ?? shape[1] ?? null;
    return this.returnSequences ? [shape[0] ?? null, steps, this.units] : [shape[0] ?? null, this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
    const w = this.weightsRead();
    if (cellKernelsAvailable()) {
      const opts = { repeat: this.repeat, returnSequences: this.returnSequences };
      const seq = this.gates === 4 ? lstmSequence : gruSequence;
      return seq(input, w.kernel as tf.Tensor2D, w.recurrent as tf.Tensor2D, w.biasIh as tf.Tensor1D, w.biasHh as tf.Tensor1D, opts);
    }
    const x = (this.repeat !== null ? tf.tile(tf.expandDims(input, 1), [1, this.repeat, 1]) : input) as tf.Tensor3D;
    const [batch, steps, features] = x.shape;
    // One large input projection for all time steps (fast in XNNPACK), then the recurrence.
    const timeMajor = tf.reshape(tf.transpose(x, [1, 0, 2]), [steps * batch, features]);
    const projected = tf.reshape(this.projectInputs(timeMajor as tf.Tensor2D, w), [steps, batch, this.gates * this.units]);
    const perStep = tf.unstack(projected, 0) as tf.Tensor2D[];
    const outputs = this.recur(perStep, w, batch);
    if (!this.returnSequences) return outputs[outputs.length - 1] as tf.Tensor2D;
    return tf.stack(outputs, 1);
  }

  protected weightsRead(): RecurrentWeights {
    if (!this.kernel || !this.recurrent || !this.biasIh || !this.biasHh) throw new Error(`${this.name}: not built`);
    return { kernel: this.kernel.read(), recurrent: this.recurrent.read(), biasIh: this.biasIh.read(), biasHh: this.biasHh.read() };
  }

  protected abstract projectInputs(x: tf.Tensor2D, w: RecurrentWeights): tf.Tensor2D;
  protected abstract recur(steps: tf.Tensor2D[], w: RecurrentWeights, batch: number): tf.Tensor2D[];

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, returnSequences: this.returnSequences, repeat: this.repeat };
  }
}

export interface RecurrentWeights {
  kernel: tf.Tensor;
  recurrent: tf.Tensor;
  biasIh: tf.Tensor;
  biasHh: tf.Tensor;
}

/** LSTM, PyTorch semantics: sigmoid gates, tanh cell, zero initial state. */
export class FusedLSTM extends FusedRecurrent {
  static readonly className = 'PrometheusFusedLSTM';
  protected readonly gates = 4;

  protected projectInputs(x: tf.Tensor2D, w: RecurrentWeights): tf.Tensor2D {
    return tf.add(tf.matMul(x, w.kernel as tf.Tensor2D), tf.add(w.biasIh, w.biasHh));
  }

  protected recur(steps: tf.Tensor2D[], w: RecurrentWeights, batch: number): tf.Tensor2D[] {
    const outputs: tf.Tensor2D[] = [];
    let h: tf.Tensor2D | undefined;
    let c: tf.Tensor2D = tf.zeros([batch, this.units]);
    for (const xw of steps) {
      const z = h ? tf.add(xw, tf.matMul(h, w.recurrent as tf.Tensor2D)) : xw;
      const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      const next: tf.Tensor2D = tf.mul(tf.sigmoid(o), tf.tanh(c));
      h = next;
      outputs.push(next);
    }
    return outputs;
  }
}

/** GRU, PyTorch semantics (reset gate applied after the recurrent product, two biases). */
export class FusedGRU extends FusedRecurrent {
  static readonly className = 'PrometheusFusedGRU';
  protected readonly gates = 3;

  protected projectInputs(x: tf.Tensor2D, w: RecurrentWeights): tf.Tensor2D {
    return tf.add(tf.matMul(x, w.kernel as tf.Tensor2D), w.biasIh);
  }

  protected recur(steps: tf.Tensor2D[], w: RecurrentWeights, batch: number): tf.Tensor2D[] {
    const outputs: tf.Tensor2D[] = [];
    const u = this.units;
    let h: tf.Tensor2D = tf.zeros([batch, u]);
    for (const xw of steps) {
      const hu = tf.add(tf.matMul(h, w.recurrent as tf.Tensor2D), w.biasHh);
      const [xrz, xn] = tf.split(xw, [2 * u, u], 1) as [tf.Tensor2D, tf.Tensor2D];
      const [hrz, hn] = tf.split(hu, [2 * u, u], 1) as [tf.Tensor2D, tf.Tensor2D];
      const [r, z] = tf.split(tf.sigmoid(tf.add(xrz, hrz)), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      h = tf.add(n, tf.mul(z, tf.sub(h, n)));
      outputs.push(h);
    }
    return outputs;
  }
}

tf.serialization.registerClass(FusedLSTM);
tf.serialization.registerClass(FusedGRU);
