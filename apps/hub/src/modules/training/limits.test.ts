import { DEFAULT_HYPERPARAMETERS, type ModelMetadata } from '@prometheus/ml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, TINY, trainToEnd, validatedDataset, waitForRun } from '../../test/training.js';
import { TIERS } from '../../tiers.js';
import { createModelsRepo } from '../models/repo.js';
import { createTrainingRepo } from './repo.js';

type Json = Record<string, unknown>;

// What a kept model's row carries (only counted here).
const KEPT_METADATA: ModelMetadata = {
  format: 'prometheus-model/1', architecture: 'sentinel', feature_columns: ['t'], label_column: null, norm_means: [0], norm_stds: [1],
  sequence_length: 8, sampling_interval_seconds: 60, threshold: 0.5, threshold_kind: 'probability', input_name: 'window',
  output_names: ['probability'], horizons_minutes: null, num_parameters: 1,
  hyperparameters: { ...DEFAULT_HYPERPARAMETERS, optimizer: 'adam', loss: 'bce' },
};
const KEPT_METRICS = { val_loss: 1, reconstruction_error_threshold: null, accuracy: null, precision: null, recall: null, f1: null, auc_roc: null };
const KEPT_QUANTIZATION = {
  scheme: 'int8 symmetric per-tensor (weight matrices; biases float32)', float_parameter_bytes: 4, int8_parameter_bytes: 1, max_abs_score_delta: 0, mean_abs_score_delta: 0,
  f1_delta: null, auc_roc_delta: null, accuracy_delta: null,
};

// The tier limits training and models enforce (billing README): concurrent runs and models kept, counted
// per user; and a deleted user's runs, models and evaluations passing to the deleting admin.
describe('training tier limits and user deletion', { timeout: 180_000 }, () => {
  let t: TestHub;

  beforeAll(async () => {
    t = await createTestHub({ TRAINING_MAX_CONCURRENT: '4' });
  }, 180_000);
  afterAll(() => t.close());

  it('refuses a second concurrent run on the free tier with 403 TIER_LIMIT', async () => {
    const user = await t.userWithRole('operator');
    const ds = (await validatedDataset(t, user.token, sensorCsv({ rows: 120 }))).id;
    const long = { dataset_id: ds, architecture: 'sentinel', hyperparameters: { ...TINY, epochs: 5000, early_stopping_patience: 0 } };
    const first = (await (await t.request('POST', '/api/v1/training/start', { token: user.token, json: long })).json()) as Json;
    expect(first.status).toBe('running');
    const second = await t.request('POST', '/api/v1/training/start', { token: user.token, json: long });
    expect(second.status).toBe(403);
    const body = (await second.json()) as Json;
    expect(body.code).toBe('TIER_LIMIT');
    expect(body.error).toContain('max_concurrent_trainings');
    const usage = (await (await t.request('GET', '/api/v1/billing/usage', { token: user.token })).json()) as Json;
    expect(usage).toMatchObject({ active_trainings: 1, max_concurrent_trainings: TIERS.free.max_concurrent_trainings });
    await waitForRun(t, user.token, String(first.id), (r) => r.current_epoch >= 1);
    expect((await t.request('POST', `/api/v1/training/${first.id}/stop`, { token: user.token })).status).toBe(200);
    expect(((await (await t.request('GET', '/api/v1/billing/usage', { token: user.token })).json()) as Json).models_count).toBe(1);
  });

  it('counts models kept plus runs still to finish against max_models', async () => {
    const user = await t.userWithRole('operator');
    const ds = (await validatedDataset(t, user.token, sensorCsv({ rows: 120 }))).id;
    // Models kept earlier (rows as the models service writes them; the counter reads rows).
    const repo = createModelsRepo(t.hub.store.db);
    for (let i = 0; i < TIERS.free.max_models; i++) {
      await repo.insert({
        id: `mdl_limit${i}${user.id.slice(4, 10)}`, ownerId: user.id, name: `old ${i}`, architecture: 'sentinel', equipmentType: 'air_handler',
        datasetId: ds, trainingRunId: 'tr_old', parameters: 1, metrics: KEPT_METRICS, metadata: KEPT_METADATA, quantization: KEPT_QUANTIZATION,
        files: { axonml: 1, axonml_int8: 1, onnx: 1, onnx_int8: 1, metadata: 1 }, status: 'ready', createdAt: new Date(),
      });
    }
    const res = await t.request('POST', '/api/v1/training/start', { token: user.token, json: { dataset_id: ds, architecture: 'sentinel', hyperparameters: TINY } });
    expect(res.status).toBe(403);
    const body = (await res.json()) as Json;
    expect(body.code).toBe('TIER_LIMIT');
    expect(body.error).toContain('max_models');
    expect(((await (await t.request('GET', '/api/v1/billing/usage', { token: user.token })).json()) as Json).models_count).toBe(TIERS.free.max_models);
  });

  it("hands a deleted user's runs, models and evaluations to the deleting admin", async () => {
    const user = await t.userWithRole('operator');
    const ds = (await validatedDataset(t, user.token, sensorCsv({ rows: 120, faultFrom: 100 }))).id;
    const run = await trainToEnd(t, user.token, { dataset_id: ds, architecture: 'lstm_autoencoder', hyperparameters: TINY });
    expect(run.status).toBe('completed');
    const admin = await t.adminToken();
    const del = await t.request('DELETE', `/api/v1/admin/users/${user.username}`, { token: admin });
    expect(del.status).toBe(204);
    const adminId = ((await (await t.request('GET', '/api/v1/auth/session', { token: admin })).json()) as { user: { id: string } }).user.id;
    expect((await createTrainingRepo(t.hub.store.db).findById(run.id))?.ownerId).toBe(adminId);
    expect((await createModelsRepo(t.hub.store.db).findById(run.model_id as string))?.ownerId).toBe(adminId);
    const evaluation = await t.request('GET', `/api/v1/evaluations/${run.evaluation_id}`, { token: admin });
    expect(evaluation.status).toBe(200);
    expect(((await t.request('GET', `/api/v1/models/${run.model_id}`, { token: admin })).status)).toBe(200);
  });
});
