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

export interface SpeedTrainer {
  backend: string;
  parameters: number;
  /** Trains on `samples` windows (batches of `batch`) and returns samples per second. */
  pass(samples: number): number;
  dispose(): void;
}

/**
 * lstm_autoencoder with this package's real training step (same layers, optimizer, loss as a run)
 * on random windows, for throughput measurements. Warmed up before it is returned.
 */
export async function createSpeedTrainer(options: SpeedOptions = {}): Promise<SpeedTrainer> {
  const { samples = 1024, batch = 64, hidden = 64, features = 8, sequenceLength = 60, layers = 1 } = options;
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
  const pass = (count: number): number => {
    const t = performance.now();
    for (let s = 0; s < count; s += batch) {
      const start = s % samples;
      const x = tf.slice(data, [start, 0, 0], [Math.min(batch, samples - start, count - s), sequenceLength, features]);
      stepper.step(() => loss(x, model.apply(x, { training: true }) as tf.Tensor));
      x.dispose();
    }
    return count / ((performance.now() - t) / 1000);
  };
  pass(4 * batch); // warm-up: kernel setup and JIT
  return {
    backend, parameters: weights.length, pass,
    dispose() {
      stepper.dispose();
      data.dispose();
      model.dispose();
    },
  };
}

/** Median samples/s over `reps` passes of `samples` windows. */
export async function benchTrainingSpeed(options: SpeedOptions = {}): Promise<{ backend: string; parameters: number; samplesPerSecond: number; rates: number[] }> {
  const trainer = await createSpeedTrainer(options);
  const rates: number[] = [];
  for (let r = 0; r < (options.reps ?? 3); r++) {
    rates.push(trainer.pass(options.samples ?? 1024));
    options.onRep?.(r, rates[r] as number);
  }
  trainer.dispose();
  return { backend: trainer.backend, parameters: trainer.parameters, samplesPerSecond: [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)] as number, rates };
}
