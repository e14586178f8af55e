import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, validatedDataset, waitForRun } from '../../test/training.js';
import { createTrainingRepo } from './repo.js';

// Leases on the one-process store: a run held by a worker that stopped renewing is requeued by the leader (and
// trained here), failed with the reason on its second lapse; a worker whose run was taken from it stops training
// it; the queue reports the cluster's slots.
describe('training leases', { timeout: 120_000 }, () => {
  let t: TestHub;
  let token: string;
  let dataset: string;

  beforeAll(async () => {
    t = await createTestHub({ TRAINING_MAX_CONCURRENT: '1', TRAINING_LEASE_SECONDS: '3', CLUSTER_POLL_MS: '200' });
    await t.hub.start();
    token = await t.adminToken();
    await setTier(t, 'admin', 'enterprise');
    dataset = (await validatedDataset(t, token, sensorCsv({ rows: 200 }))).id;
  }, 120_000);
  afterAll(() => t.hub.stop());

  const orphan = async (id: string, leaseLapses: number) => {
    const repo = createTrainingRepo(t.hub.store.db, t.hub.store.dialect);
    const now = Date.now();
    const ownerId = (await t.hub.services.usersRepo.findByUsername('admin'))!.id;
    await repo.insert({
      id, ownerId, datasetId: dataset, name: 'orphan', architecture: 'lstm_autoencoder', hyperparameters: { ...TINY } as never,
      status: 'running', totalEpochs: 2, learningRate: 0.001, createdAt: new Date(now - 10_000), startedAt: new Date(now - 9_000),
      workerId: 'gone-replica', leaseExpiresAt: new Date(now + 500), leaseLapses,
    });
  };

  /** The run's row once it is neither queued nor running (or when time is up). */
  const ended = async (id: string, timeoutMs: number) => {
    const repo = createTrainingRepo(t.hub.store.db, t.hub.store.dialect);
    const until = Date.now() + timeoutMs;
    let row = (await repo.findById(id))!;
    while ((row.status === 'running' || row.status === 'queued') && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      row = (await repo.findById(id))!;
    }
    return row;
  };

  it('requeues a run whose worker stopped renewing its lease: this worker trains it to its end', async () => {
    await orphan('tr_lapsed00001', 0);
    const done = await ended('tr_lapsed00001', 30_000);
    expect(done).toMatchObject({ status: 'completed', error: null, workerId: t.hub.services.cluster.replicaId, leaseLapses: 1 });
  });

  it('fails a run whose lease lapsed a second time, naming the worker', async () => {
    await orphan('tr_lapsed00002', 1);
    expect(await ended('tr_lapsed00002', 10_000)).toMatchObject({ status: 'failed', error: 'worker gone-replica stopped answering twice; lease lapsed' });
  });

  it('stops training a run this worker no longer holds, and reports the cluster queue', async () => {
    const res = await t.request('POST', '/api/v1/training/start', { token, json: { dataset_id: dataset, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, epochs: 500, early_stopping_patience: 0 } } });
    const { id } = (await res.json()) as { id: string };
    await waitForRun(t, token, id, (r) => r.status === 'running' && r.current_epoch >= 1);
    const queue = await (await t.request('GET', '/api/v1/training/queue', { token })).json();
    expect(queue).toEqual({ active_trainings: 1, max_concurrent: 1, queued: 0, capacity_available: 0 });
    // Another worker took it (as if the leader had requeued it as lapsed and it had been claimed again).
    const repo = createTrainingRepo(t.hub.store.db, t.hub.store.dialect);
    await repo.update(id, { workerId: 'another-replica', leaseLapses: 1 });
    // Within a renewal (a third of the lease) this worker stops training it and its one slot frees: the next run
    // is claimed here (it would wait in the queue behind a worker still training the lost run).
    const next = await t.request('POST', '/api/v1/training/start', { token, json: { dataset_id: dataset, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY } } });
    const nextId = ((await next.json()) as { id: string }).id;
    const done = await waitForRun(t, token, nextId, (r) => r.status === 'completed', 30_000);
    expect(done.status).toBe('completed');
    // "another-replica" never renews either: its lapse is the run's second, so the leader fails it, naming it.
    const lost = await waitForRun(t, token, id, (r) => r.status !== 'running', 10_000);
    expect(lost.status).toBe('failed');
    expect(lost.error).toContain('another-replica');
  });
});
