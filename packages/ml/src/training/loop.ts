import * as tf from '@tensorflow/tfjs';
import type { PreparedData, WindowSet } from '../data/prepare.js';
import type { Hyperparameters } from '../hyperparameters.js';
import { linearReconstruction } from '../model/linear-layers.js';
import type { ModelSpec } from '../model/spec.js';
import { exportTorchWeights, importTorchWeights, seededRandom } from '../model/torch-weights.js';
import type { WindowShape } from './batches.js';
import { batchTensors, shuffled } from './batches.js';
import { createStepper, lossFunction } from './optimizer.js';

export interface EpochProgress {
  epoch: number;
  total_epochs: number;
  train_loss: number;
  val_loss: number;
  best_val_loss: number;
  learning_rate: number;
  elapsed_seconds: number;
  estimated_remaining_seconds: number;
}

export type StopReason = 'completed' | 'early_stopped' | 'stopped';

export interface LoopResult {
  status: StopReason;
  epochsRun: number;
  /** Optimisation steps taken (also those of an epoch cut short by a stop). */
  batchesRun: number;
  bestEpoch: number;
  bestValLoss: number;
  history: { epoch: number; train_loss: number; val_loss: number }[];
  bestWeights: Float32Array;
  seconds: number;
}

export interface LoopOptions {
  onEpoch?: (p: EpochProgress) => void;
  /** Polled before every batch; true stops the run. */
  shouldStop?: () => boolean;
}

/** Validation windows the loss is measured on: for the autoencoder only normal ones (it models normal). */
export function validationIndices(data: PreparedData, autoencoder: boolean): Int32Array {
  const v = data.validation;
  const all = Int32Array.from({ length: v.count }, (_, i) => i);
  if (!autoencoder || !v.anyFault) return all;
  const normal = all.filter((i) => v.anyFault![i] === 0);
  return normal.length > 0 ? normal : all;
}

function meanLoss(model: tf.LayersModel, set: WindowSet, indices: Int32Array, shape: WindowShape, loss: (t: tf.Tensor, o: tf.Tensor) => tf.Scalar, batch: number): number {
  let sum = 0;
  for (let s = 0; s < indices.length; s += batch) {
    const idx = indices.subarray(s, Math.min(s + batch, indices.length));
    sum += tf.tidy(() => {
      const { x, y } = batchTensors(set, idx, shape);
      return (loss(y, model.apply(x, { training: false }) as tf.Tensor).dataSync()[0] as number) * idx.length;
    });
  }
  return sum / Math.max(indices.length, 1);
}

/**
 * With a linear stage, the loss adds correction_penalty x the mean squared correction (output minus the linear
 * reconstruction of the target, which is the input for the autoencoder): the LSTM may explain only what recurs in
 * normal data, and at most part of it (a correction c of a residual r costs (r-c)^2 + penalty c^2, so the best c
 * keeps a share penalty/(1+penalty) of r), never drive the error of an unseen deviation to zero.
 */
function penalised(base: (t: tf.Tensor, o: tf.Tensor) => tf.Scalar, spec: ModelSpec, hp: Hyperparameters): (t: tf.Tensor, o: tf.Tensor) => tf.Scalar {
  const stage = spec.linear;
  if (!stage || hp.correction_penalty <= 0) return base;
  return (t, o) => tf.tidy(() => tf.add(base(t, o), tf.mul(hp.correction_penalty, tf.mean(tf.square(tf.sub(o, linearReconstruction(stage, t)))))) as tf.Scalar);
}

/**
 * Mini-batch training with early stopping on the validation loss. The best weights (lowest
 * validation loss) are kept and loaded back into the model before returning, also on a stop.
 */
export function trainLoop(model: tf.LayersModel, spec: ModelSpec, data: PreparedData, hp: Hyperparameters, options: LoopOptions = {}): LoopResult {
  const shape = { steps: spec.sequenceLength, features: spec.inputFeatures };
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const stepper = createStepper(hp, variables);
  const loss = penalised(lossFunction(hp.loss), spec, hp);
  const random = seededRandom(hp.seed + 1);
  const valIdx = validationIndices(data, spec.architecture === 'lstm_autoencoder');
  const started = performance.now();
  const history: LoopResult['history'] = [];
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: exportTorchWeights(model, spec) };
  let status: StopReason = 'completed';
  let sinceBest = 0;
  let batchesRun = 0;
  for (let epoch = 1; epoch <= hp.epochs; epoch++) {
    const order = shuffled(data.train.count, random);
    let sum = 0;
    let seen = 0;
    for (let s = 0; s < order.length; s += hp.batch_size) {
      if (options.shouldStop?.()) {
        status = 'stopped';
        break;
      }
      const idx = order.subarray(s, Math.min(s + hp.batch_size, order.length));
      const { x, y } = batchTensors(data.train, idx, shape);
      sum += stepper.step(() => loss(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar) * idx.length;
      seen += idx.length;
      batchesRun += 1;
      tf.dispose([x, y]);
    }
    if (status === 'stopped') {
      // A stop before the first finished epoch still returns the current weights, measured.
      if (history.length === 0) best = { loss: meanLoss(model, data.validation, valIdx, shape, loss, 256), epoch: 0, weights: exportTorchWeights(model, spec) };
      break;
    }
    const validate = epoch % hp.val_check_interval === 0 || epoch === hp.epochs;
    const valLoss = validate ? meanLoss(model, data.validation, valIdx, shape, loss, 256) : Number.NaN;
    if (validate && valLoss < best.loss) {
      best = { loss: valLoss, epoch, weights: exportTorchWeights(model, spec) };
      sinceBest = 0;
    } else if (validate) {
      sinceBest += hp.val_check_interval;
    }
    history.push({ epoch, train_loss: sum / Math.max(seen, 1), val_loss: valLoss });
    const elapsed = (performance.now() - started) / 1000;
    options.onEpoch?.({
      epoch, total_epochs: hp.epochs, train_loss: sum / Math.max(seen, 1), val_loss: valLoss, best_val_loss: best.loss,
      learning_rate: stepper.learningRate, elapsed_seconds: elapsed, estimated_remaining_seconds: (elapsed / epoch) * (hp.epochs - epoch),
    });
    if (hp.early_stopping_patience > 0 && sinceBest >= hp.early_stopping_patience && epoch < hp.epochs) {
      status = 'early_stopped';
      break;
    }
  }
  stepper.dispose();
  importTorchWeights(model, spec, best.weights);
  return { status, epochsRun: history.length, batchesRun, bestEpoch: best.epoch, bestValLoss: best.loss, history, bestWeights: best.weights, seconds: (performance.now() - started) / 1000 };
}
