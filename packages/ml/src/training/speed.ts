import * as tf from '@tensorflow/tfjs';
import { validateHyperparameters } from '../hyperparameters.js';
import { buildModel } from '../model/build.js';
import { modelSpec } from '../model/spec.js';
import { importTorchWeights, initialTorchWeights, seededRandom } from '../model/torch-weights.js';
import { initBackend } from '../tf/backend.js';
import { createStepper, lossFunction } from './optimizer.js';

export interface SpeedOptions {
  samples?: number;
  batch?: number;
  reps?: number;
  hidden?: number;
  features?: number;
  sequenceLength?: number;
  layers?: number;
  onRep?: (rep: number, samplesPerSecond: number) => void;
}

/**
 * Training throughput of lstm_autoencoder with this package's real training step (same layers,
 * optimizer and loss as a run), on random windows: median samples/s over `reps` passes.
 */
export async function benchTrainingSpeed(options: SpeedOptions = {}): Promise<{ backend: string; parameters: number; samplesPerSecond: number; rates: number[] }> {
  const { samples = 1024, batch = 64, reps = 3, hidden = 64, features = 8, sequenceLength = 60, layers = 1 } = options;
  const backend = await initBackend();
  const v = validateHyperparameters('lstm_autoencoder', { hidden_dim: hidden, bottleneck_dim: hidden / 2, num_layers: layers, sequence_length: sequenceLength, batch_size: batch, weight_decay: 0, dropout: 0 });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  const spec = modelSpec('lstm_autoencoder', features, v.value.hyperparameters);
  const model = buildModel(spec);
  const weights = initialTorchWeights(spec, 0);
  importTorchWeights(model, spec, weights);
  const random = seededRandom(1);
  const data = tf.tensor3d(Float32Array.from({ length: samples * sequenceLength * features }, () => random() * 2 - 1), [samples, sequenceLength, features]);
  const stepper = createStepper(v.value.hyperparameters, model.trainableWeights.map((w) => w.read() as tf.Variable));
  const loss = lossFunction('mse');
  const pass = (count: number): void => {
    for (let s = 0; s < count; s += batch) {
      const x = tf.slice(data, [s, 0, 0], [Math.min(batch, count - s), sequenceLength, features]);
      stepper.step(() => loss(x, model.apply(x, { training: true }) as tf.Tensor));
      x.dispose();
    }
  };
  pass(batch); // warm-up: kernel setup, JIT
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    pass(samples);
    rates.push(samples / ((performance.now() - t) / 1000));
    options.onRep?.(r, rates[r] as number);
  }
  stepper.dispose();
  data.dispose();
  model.dispose();
  return { backend, parameters: weights.length, samplesPerSecond: [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)] as number, rates };
}
