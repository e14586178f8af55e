import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { prepareData } from '../data/prepare.js';
import { validateHyperparameters } from '../hyperparameters.js';
import { buildModel } from '../model/build.js';
import { scoreWindows } from '../model/scoring.js';
import { modelSpec } from '../model/spec.js';
import { importTorchWeights, initialTorchWeights } from '../model/torch-weights.js';
import { initBackend } from '../tf/backend.js';
import { syntheticTable } from '../test-support/synthetic.js';
import type { EpochProgress } from './loop.js';
import { trainLoop } from './loop.js';
import type { TrainingJob } from './result.js';
import { TrainingInputError } from './result.js';
import { runTraining } from './run.js';
import { startTraining } from './start-training.js';

const small = { hidden_dim: 8, bottleneck_dim: 4, num_layers: 1, sequence_length: 10, stride: 2, batch_size: 16, epochs: 3 };
const job = (architecture: string, over: object = {}): TrainingJob => ({ architecture, hyperparameters: { ...small, ...over }, data: syntheticTable(600, 2, [[450, 520]]) });

describe('training in a worker thread', () => {
  it('reports every epoch and returns a complete result', async () => {
    const epochs: EpochProgress[] = [];
    const logs: string[] = [];
    const handle = startTraining(job('gru_predictor'), { onEpoch: (p) => epochs.push(p), onLog: (m) => logs.push(m) });
    const result = await handle.result;
    expect(logs[0]).toMatch(/^backend wasm; 4 features, label fault; \d+ training and \d+ validation windows/);
    expect(logs.at(-1)).toMatch(/^exported: \d+ parameters/);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of epochs) {
      expect(e).toMatchObject({ total_epochs: 3, learning_rate: 0.001 });
      expect(e.train_loss).toBeGreaterThan(0);
      expect(e.elapsed_seconds).toBeGreaterThan(0);
      expect(e.best_val_loss).toBeLessThanOrEqual(e.val_loss);
    }
    expect(epochs[2]?.estimated_remaining_seconds).toBe(0);
    expect(result.status).toBe('completed');
    expect(result.model.num_parameters).toBe(result.model.weights.length);
    expect(result.model.metadata.horizons_minutes).toEqual([5, 15, 30]);
    expect(result.model.onnx.length).toBeGreaterThan(result.model.onnx_int8.length);
    expect(result.metrics.auc_roc).not.toBeNull();
  });

  it('stop() ends the run early and returns the best epoch weights', async () => {
    let handleStop = (): void => undefined;
    // correction_penalty 0: the validation loss is then the plain reconstruction error the scores below measure.
    const handle = startTraining(job('lstm_autoencoder', { epochs: 200, early_stopping_patience: 0, correction_penalty: 0 }), {
      onEpoch: (p) => {
        if (p.epoch === 2) handleStop();
      },
    });
    handleStop = handle.stop;
    const result = await handle.result;
    expect(result.status).toBe('stopped');
    expect(result.epochs_run).toBeLessThan(200);
    const best = Math.min(...result.training_curves.val_loss);
    expect(result.best_val_loss).toBe(best);
    // The returned weights really are the best epoch's: their validation loss is the best one.
    const v = validateHyperparameters('lstm_autoencoder', { ...small, epochs: 200 });
    if (!v.ok) throw new Error('bad');
    const prepared = prepareData(job('lstm_autoencoder').data, 'lstm_autoencoder', v.value.hyperparameters);
    if (!prepared.ok) throw new Error('bad');
    await initBackend();
    expect(result.model.metadata.linear_stage).not.toBeNull();
    const spec = modelSpec('lstm_autoencoder', prepared.value.features.length, v.value.hyperparameters, result.model.metadata.linear_stage);
    const model = buildModel(spec);
    importTorchWeights(model, spec, result.model.weights);
    const normal = prepared.value.validation;
    const { scores } = scoreWindows(model, spec, normal);
    const normalScores = scores.filter((_, i) => normal.anyFault![i] === 0);
    expect(normalScores.reduce((a, b) => a + b, 0) / normalScores.length).toBeCloseTo(best, 5);
    model.dispose();
  });

  it('rejects an invalid job with field-named errors from the worker', async () => {
    const handle = startTraining(job('sentinel', { label_column: 'nope' }));
    const error = await handle.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingInputError);
    expect((error as TrainingInputError).errors[0]?.field).toBe('hyperparameters.label_column');
  });

  it('loads under plain `node --import tsx` too', async () => {
    const script = fileURLToPath(new URL('../test-support/train-in-node.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    const out = JSON.parse(stdout.trim().split('\n').pop() as string) as { status: string; epochs: number[] };
    expect(out).toEqual({ status: 'completed', epochs: [1, 2] });
  });
});

describe('training loop', () => {
  it('is reproducible: same seed and data give the same losses and weights', async () => {
    const a = await runTraining(job('sentinel', { seed: 9, dropout: 0.3 }));
    const b = await runTraining(job('sentinel', { seed: 9, dropout: 0.3 }));
    const c = await runTraining(job('sentinel', { seed: 10, dropout: 0.3 }));
    expect(b.training_curves).toEqual(a.training_curves);
    expect(Buffer.from(b.model.weights.buffer).equals(Buffer.from(a.model.weights.buffer))).toBe(true);
    expect(c.training_curves.train_loss).not.toEqual(a.training_curves.train_loss);
  });

  it('checks the stop flag before every batch: a stop lands within one batch', async () => {
    await initBackend();
    const v = validateHyperparameters('lstm_autoencoder', { ...small, epochs: 5 });
    if (!v.ok) throw new Error('bad');
    const prepared = prepareData(job('lstm_autoencoder').data, 'lstm_autoencoder', v.value.hyperparameters);
    if (!prepared.ok) throw new Error('bad');
    const spec = modelSpec('lstm_autoencoder', prepared.value.features.length, v.value.hyperparameters);
    const model = buildModel(spec);
    importTorchWeights(model, spec, initialTorchWeights(spec, 1));
    let polls = 0;
    const perEpoch = Math.ceil(prepared.value.train.count / 16);
    const stopAt = perEpoch + 3; // during the second epoch
    const r = trainLoop(model, spec, prepared.value, v.value.hyperparameters, { shouldStop: () => ++polls > stopAt });
    expect(r.status).toBe('stopped');
    expect(r.batchesRun).toBe(stopAt);
    expect(r.epochsRun).toBe(1);
    model.dispose();
  });

  it('stops early when the validation loss stops improving', async () => {
    const r = await runTraining(job('sentinel', { epochs: 60, early_stopping_patience: 2, learning_rate: 0.05 }));
    expect(r.status).toBe('early_stopped');
    expect(r.epochs_run).toBeLessThan(60);
    expect(r.epochs_run - r.best_epoch).toBe(2);
  });

  it('reports missing values per column', async () => {
    const j = job('sentinel');
    (j.data.values[2] as Float64Array)[5] = Number.NaN;
    (j.data.values[2] as Float64Array)[0] = Number.NaN;
    const r = await runTraining(j);
    expect(r.missing_values.find((m) => m.column === 'return_air_temp')).toEqual({ column: 'return_air_temp', missing: 2, forward_filled: 1, mean_filled: 1 });
  });
});
