import type { TrainingRunDetail, TrainingRunSummary } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEvents } from '../../events.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, validatedDataset, waitForRun } from '../../test/training.js';
import { uploadCsv } from '../../test/upload.js';

type Json = Record<string, unknown>;

// The training routes on a hub with one training slot: start, queue, detail, stop, the 400/401/403/404s,
// events, the datasets delete guard. Runs are tiny (a few seconds each on a loaded machine).
describe('training', { timeout: 180_000 }, () => {
  let t: TestHub;
  let admin: string;
  let operator: { token: string; username: string; id: string };
  let labelled: string;
  let unlabelled: string;
  const events: { name: keyof HubEvents; payload: Json }[] = [];

  beforeAll(async () => {
    t = await createTestHub({ TRAINING_MAX_CONCURRENT: '1' });
    admin = await t.adminToken();
    operator = await t.userWithRole('operator');
    await setTier(t, operator.username, 'enterprise');
    for (const name of ['training.queued', 'training.started', 'training.epoch', 'training.finished'] as const) {
      t.hub.services.events.on(name, (payload) => void events.push({ name, payload: payload as unknown as Json }));
    }
    labelled = (await validatedDataset(t, operator.token, sensorCsv({ rows: 240, faultFrom: 200 }), 'Labelled AHU')).id;
    unlabelled = (await validatedDataset(t, operator.token, sensorCsv({ rows: 240, label: false }), 'Unlabelled AHU')).id;
  }, 180_000);
  afterAll(() => t.close());

  it('trains an autoencoder to a model: detail, list, curves, events', async () => {
    const res = await t.request('POST', '/api/v1/training/start', { token: operator.token, json: { dataset_id: labelled, architecture: 'lstm_autoencoder', hyperparameters: TINY } });
    expect(res.status).toBe(201);
    const started = (await res.json()) as Json;
    expect(started).toMatchObject({ status: 'running', dataset_id: labelled, architecture: 'lstm_autoencoder' });
    expect(String(started.id)).toMatch(/^tr_/);
    const run = await waitForRun(t, operator.token, String(started.id));
    expect(run).toMatchObject({ status: 'completed', current_epoch: 2, total_epochs: 2, error: null, queue_position: null });
    expect(run.stop_reason).toMatch(/completed|early_stopped/);
    expect(run.model_id).toMatch(/^mdl_/);
    expect(run.evaluation_id).toMatch(/^eval_/);
    expect(run.best_val_loss).toBeGreaterThan(0);
    expect(run.hyperparameters).toMatchObject({ ...TINY, learning_rate: 0.001, optimizer: 'adam', loss: 'mse', label_column: null });
    expect(run.name).toBe('Labelled AHU -- LSTM autoencoder');
    expect(run.completed_at).not.toBeNull();
    expect(run.estimated_remaining_seconds).toBe(0);
    const list = (await (await t.request('GET', '/api/v1/training', { token: operator.token })).json()) as TrainingRunSummary[];
    expect(list.map((r) => r.id)).toContain(run.id);
    const names = events.filter((e) => e.payload.runId === run.id).map((e) => e.name);
    expect(names).toEqual(['training.started', 'training.epoch', 'training.epoch', 'training.finished']);
    expect(events.find((e) => e.name === 'training.finished' && e.payload.runId === run.id)?.payload).toMatchObject({ status: 'completed', modelId: run.model_id });
    const evaluation = (await (await t.request('GET', `/api/v1/evaluations/${run.evaluation_id}`, { token: operator.token })).json()) as Json;
    expect((evaluation.training_curves as Json).epochs).toEqual([1, 2]);
  });

  it('refuses invalid input with a 400 naming the field, before anything is queued', async () => {
    const start = (json: unknown) => t.request('POST', '/api/v1/training/start', { token: operator.token, json });
    const cases: [unknown, string][] = [
      [{ dataset_id: labelled, architecture: 'transformer' }, "'architecture'"],
      [{ dataset_id: labelled, architecture: 'lstm_autoencoder', hyperparameters: { epochs: 0 } }, "'hyperparameters.epochs' must be >= 1"],
      [{ dataset_id: labelled, architecture: 'lstm_autoencoder', hyperparameters: { dropout: 'high' } }, "'hyperparameters.dropout'"],
      [{ dataset_id: labelled, architecture: 'gru_predictor', hyperparameters: { optimizer: 'rmsprop' } }, "'hyperparameters.optimizer'"],
      [{ dataset_id: labelled, architecture: 'lstm_autoencoder', hyperparameters: { hidden_size: 8 } }, 'hidden_size'],
      [{ dataset_id: labelled, architecture: 'lstm_autoencoder', hyperparameters: { loss: 'bce' } }, "'hyperparameters.loss'"],
      [{ dataset_id: labelled, architecture: 'lstm_autoencoder', hyperparameters: { feature_columns: ['timestamp'] } }, "'hyperparameters.feature_columns'"],
      [{ dataset_id: labelled, architecture: 'sentinel', hyperparameters: { label_column: 'nope' } }, "'hyperparameters.label_column'"],
      [{ architecture: 'sentinel' }, "'dataset_id'"],
    ];
    for (const [body, named] of cases) {
      const res = await start(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = (await res.json()) as Json;
      expect(err.code).toBe('VALIDATION_ERROR');
      expect(`${err.error} ${err.details}`).toContain(named);
    }
    const supervised = await start({ dataset_id: unlabelled, architecture: 'gru_predictor' });
    expect(supervised.status).toBe(400);
    const body = (await supervised.json()) as Json;
    expect(body.error).toContain("'hyperparameters.label_column'");
    expect(body.error).toContain('needs a label column');
    const runs = (await (await t.request('GET', '/api/v1/training', { token: operator.token })).json()) as unknown[];
    expect(runs).toHaveLength(1);
  });

  it('refuses a dataset that is not validated (400) or not there / not yours (404)', async () => {
    const up = await uploadCsv(t, operator.token, sensorCsv({ rows: 60 }), { name: 'raw' });
    const raw = ((await up.json()) as Json).id;
    const notValidated = await t.request('POST', '/api/v1/training/start', { token: operator.token, json: { dataset_id: raw, architecture: 'sentinel' } });
    expect(notValidated.status).toBe(400);
    expect(((await notValidated.json()) as Json).error).toBe('Dataset has not been validated');
    const none = await t.request('POST', '/api/v1/training/start', { token: operator.token, json: { dataset_id: 'ds_nope', architecture: 'sentinel' } });
    expect(none.status).toBe(404);
    const other = await t.userWithRole('operator');
    const foreign = await t.request('POST', '/api/v1/training/start', { token: other.token, json: { dataset_id: labelled, architecture: 'sentinel' } });
    expect(foreign.status).toBe(404);
  });

  it('lets viewers read but not start or stop (403), and needs a login (401)', async () => {
    const viewer = await t.userWithRole('viewer');
    expect((await t.request('GET', '/api/v1/training', { token: viewer.token })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/training/queue', { token: viewer.token })).status).toBe(200);
    const start = await t.request('POST', '/api/v1/training/start', { token: viewer.token, json: { dataset_id: labelled, architecture: 'sentinel' } });
    expect(start.status).toBe(403);
    expect((await t.request('POST', '/api/v1/training/tr_x/stop', { token: viewer.token })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/training')).status).toBe(401);
    expect((await t.request('POST', '/api/v1/training/start', { json: { dataset_id: labelled, architecture: 'sentinel' } })).status).toBe(401);
  });

  it('queues beyond max_concurrent (FIFO) and starts the next run when the slot frees', async () => {
    const body = { dataset_id: labelled, architecture: 'sentinel', hyperparameters: TINY };
    const first = (await (await t.request('POST', '/api/v1/training/start', { token: operator.token, json: body })).json()) as Json;
    const second = (await (await t.request('POST', '/api/v1/training/start', { token: admin, json: body })).json()) as Json;
    expect(first.status).toBe('running');
    expect(second.status).toBe('queued');
    expect(await (await t.request('GET', '/api/v1/training/queue', { token: admin })).json()).toEqual({ active_trainings: 1, max_concurrent: 1, queued: 1, capacity_available: 0 });
    const waiting = (await (await t.request('GET', `/api/v1/training/${second.id}`, { token: admin })).json()) as TrainingRunDetail;
    expect(waiting).toMatchObject({ status: 'queued', queue_position: 1, current_epoch: 0, estimated_remaining_seconds: null });
    const a = await waitForRun(t, operator.token, String(first.id));
    const b = await waitForRun(t, admin, String(second.id));
    expect([a.status, b.status]).toEqual(['completed', 'completed']);
    expect(Date.parse(b.started_at)).toBeGreaterThanOrEqual(Date.parse(a.completed_at as string));
    expect(events.find((e) => e.name === 'training.queued' && e.payload.runId === second.id)).toBeDefined();
    expect(events.find((e) => e.name === 'training.started' && e.payload.runId === second.id)?.payload.fromQueue).toBe(true);
    expect(events.find((e) => e.name === 'training.started' && e.payload.runId === first.id)?.payload.fromQueue).toBe(false);
    expect(await (await t.request('GET', '/api/v1/training/queue', { token: admin })).json()).toMatchObject({ active_trainings: 0, queued: 0, capacity_available: 1 });
  });

  it('stops a running run within a batch and keeps its best weights as a model; a queued run just leaves', async () => {
    const long = { dataset_id: labelled, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, epochs: 500, early_stopping_patience: 0 } };
    const running = (await (await t.request('POST', '/api/v1/training/start', { token: operator.token, json: long })).json()) as Json;
    const queued = (await (await t.request('POST', '/api/v1/training/start', { token: operator.token, json: long })).json()) as Json;
    expect(queued.status).toBe('queued');
    const stopQueued = await t.request('POST', `/api/v1/training/${queued.id}/stop`, { token: operator.token });
    expect(await stopQueued.json()).toEqual({ id: queued.id, status: 'stopped', current_epoch: 0, total_epochs: 500, model_id: null });
    await waitForRun(t, operator.token, String(running.id), (r) => r.current_epoch >= 1);
    const stop = await t.request('POST', `/api/v1/training/${running.id}/stop`, { token: operator.token });
    expect(stop.status).toBe(200);
    const stopped = (await stop.json()) as Json;
    expect(stopped).toMatchObject({ id: running.id, status: 'stopped', total_epochs: 500 });
    expect(stopped.current_epoch as number).toBeLessThan(500);
    const run = (await (await t.request('GET', `/api/v1/training/${running.id}`, { token: operator.token })).json()) as TrainingRunDetail;
    expect(run).toMatchObject({ status: 'stopped', stop_reason: 'stopped', model_id: stopped.model_id });
    const model = (await (await t.request('GET', `/api/v1/models/${run.model_id}`, { token: operator.token })).json()) as Json;
    // The model holds the best epoch's weights: its validation loss is the run's best.
    expect((model.metrics as Json).val_loss).toBeCloseTo(run.best_val_loss as number, 10);
    const again = await t.request('POST', `/api/v1/training/${running.id}/stop`, { token: operator.token });
    expect(again.status).toBe(409);
    expect((await t.request('POST', '/api/v1/training/tr_missing/stop', { token: operator.token })).status).toBe(404);
  });

  it("hides another user's runs (404) but shows every run to an admin", async () => {
    const [mine] = (await (await t.request('GET', '/api/v1/training', { token: operator.token })).json()) as TrainingRunSummary[];
    const other = await t.userWithRole('operator');
    expect((await t.request('GET', `/api/v1/training/${mine!.id}`, { token: other.token })).status).toBe(404);
    expect((await t.request('POST', `/api/v1/training/${mine!.id}/stop`, { token: other.token })).status).toBe(404);
    expect(await (await t.request('GET', '/api/v1/training', { token: other.token })).json()).toEqual([]);
    expect((await t.request('GET', `/api/v1/training/${mine!.id}`, { token: admin })).status).toBe(200);
  });

  it('keeps a dataset a running run uses (409) and reports counts to system metrics', async () => {
    const ds = (await validatedDataset(t, operator.token, sensorCsv({ rows: 120 }), 'in use')).id;
    const long = { dataset_id: ds, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, epochs: 500, early_stopping_patience: 0 } };
    const { id } = (await (await t.request('POST', '/api/v1/training/start', { token: operator.token, json: long })).json()) as Json;
    await waitForRun(t, operator.token, String(id), (r) => r.current_epoch >= 1);
    // Unlocked (so only the guard stands in the way): the run already holds its snapshot of the data.
    expect((await t.request('POST', `/api/v1/datasets/${ds}/unlock`, { token: operator.token })).status).toBe(200);
    const refused = await t.request('DELETE', `/api/v1/datasets/${ds}`, { token: operator.token });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as Json).details).toContain(String(id));
    const metrics = (await (await t.request('GET', '/api/v1/system/metrics', { token: admin })).json()) as Json;
    expect(metrics).toMatchObject({ active_training_runs: 1, max_concurrent_trainings: 1 });
    expect((await t.request('POST', `/api/v1/training/${id}/stop`, { token: operator.token })).status).toBe(200);
    expect((await t.request('DELETE', `/api/v1/datasets/${ds}`, { token: operator.token })).status).toBe(204);
    const after = (await (await t.request('GET', '/api/v1/system/metrics', { token: admin })).json()) as Json;
    expect(after.active_training_runs).toBe(0);
    const models = (await (await t.request('GET', '/api/v1/models', { token: admin })).json()) as unknown[];
    expect(after.total_models).toBe(models.length);
  });
});
