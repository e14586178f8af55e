import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../db/sqlite.js';
import type { SqliteStore } from '../../db/client.js';
import { users } from '../../db/schema/index.js';
import { createEventBus } from '../../events.js';
import { testClock } from '../../test/harness.js';
import { sweepLapsedRuns } from './lapsed.js';
import type { LiveMessage } from './live.js';
import { createTrainingRepo } from './repo.js';

// A run whose worker's lease lapses goes back to the queue once (another worker claims it, its partial curve
// gone); the second lapse fails it, naming the worker. The leader's sweep on a fake clock, against the store.
describe('lapsed training leases', () => {
  let store: SqliteStore;
  const clock = testClock(Date.parse('2026-03-01T10:00:00Z'));
  const lines: { msg: string; runId?: string; workerId?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  const published: { channel: string; message: unknown }[] = [];
  const live: { runId: string; message: LiveMessage }[] = [];
  const finished: unknown[] = [];
  const events = createEventBus(() => undefined);
  events.on('training.finished', (e) => void finished.push(e));
  const LEASE_MS = 30_000;

  beforeAll(async () => {
    store = openSqlite(':memory:');
    await store.db.insert(users).values({
      id: 'usr_owner', username: 'owner', email: 'owner@example.com', passwordHash: 'x', role: 'admin', createdAt: clock.now(), updatedAt: clock.now(),
    });
  });
  afterAll(() => store.close());

  const sweep = () => sweepLapsedRuns({
    repo: createTrainingRepo(store.db), clock, log, events,
    live: { publish: (runId, message) => void live.push({ runId, message }) },
    bus: { publish: (channel, message) => void published.push({ channel, message }) },
  });
  const claim = (workerId: string) => createTrainingRepo(store.db).claimNext(workerId, clock.now(), new Date(clock.now().getTime() + LEASE_MS));

  it('requeues a run on its first lapse and fails it on its second, naming the worker', async () => {
    const repo = createTrainingRepo(store.db);
    await repo.insert({
      id: 'tr_requeue0001', ownerId: 'usr_owner', datasetId: 'ds_1', name: 'r', architecture: 'lstm_autoencoder',
      hyperparameters: {} as never, status: 'queued', totalEpochs: 50, learningRate: 0.001, createdAt: clock.now(),
    });
    expect(await claim('worker-a')).toMatchObject({ id: 'tr_requeue0001', workerId: 'worker-a', status: 'running' });
    await repo.updateHeld('tr_requeue0001', 'worker-a', { currentEpoch: 3, bestValLoss: 0.5 });
    await repo.addEpoch({ runId: 'tr_requeue0001', epoch: 1, trainLoss: 1, valLoss: 1, bestValLoss: 1, elapsedSeconds: 1 });

    clock.advance(LEASE_MS - 1);
    await sweep();
    expect((await repo.findById('tr_requeue0001'))?.status).toBe('running'); // still within its lease

    clock.advance(2);
    await sweep();
    const requeued = await repo.findById('tr_requeue0001');
    expect(requeued).toMatchObject({ status: 'queued', workerId: null, leaseExpiresAt: null, leaseLapses: 1, error: null, currentEpoch: 0, bestValLoss: null, startedAt: null });
    expect(await repo.epochs('tr_requeue0001')).toEqual([]);
    expect(published).toEqual([{ channel: 'training.queued', message: { runId: 'tr_requeue0001' } }]);
    expect(lines.find((l) => l.msg.includes('requeued'))).toMatchObject({ runId: 'tr_requeue0001', workerId: 'worker-a' });
    expect(live).toEqual([]);
    expect(finished).toEqual([]);
    // The worker that lapsed cannot renew the run back; another worker claims it.
    expect(await repo.renewLease('tr_requeue0001', 'worker-a', new Date(clock.now().getTime() + LEASE_MS))).toBe(false);
    expect(await claim('worker-b')).toMatchObject({ id: 'tr_requeue0001', workerId: 'worker-b', status: 'running' });

    clock.advance(LEASE_MS + 1);
    await sweep();
    const failed = await repo.findById('tr_requeue0001');
    expect(failed).toMatchObject({ status: 'failed', error: 'worker worker-b stopped answering twice; lease lapsed', leaseLapses: 2 });
    expect(live).toEqual([{ runId: 'tr_requeue0001', message: expect.objectContaining({ type: 'training_complete', status: 'failed' }) }]);
    expect(finished).toEqual([expect.objectContaining({ runId: 'tr_requeue0001', status: 'failed' })]);
    expect(published).toHaveLength(1);
  });

  it('a worker skips a queued run an earlier attempt of its own still trains', async () => {
    const repo = createTrainingRepo(store.db);
    await repo.insert({
      id: 'tr_requeue0002', ownerId: 'usr_owner', datasetId: 'ds_1', name: 'r', architecture: 'lstm_autoencoder',
      hyperparameters: {} as never, status: 'queued', totalEpochs: 50, learningRate: 0.001, createdAt: clock.now(),
    });
    expect(await repo.claimNext('worker-a', clock.now(), new Date(clock.now().getTime() + LEASE_MS), ['tr_requeue0002'])).toBeUndefined();
    expect((await claim('worker-a'))?.id).toBe('tr_requeue0002');
  });
});
