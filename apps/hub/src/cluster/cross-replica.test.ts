import type { TrainingComplete } from '@prometheus/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthRepo } from '../modules/auth/repo.js';
import { createSessionService } from '../modules/auth/session-service.js';
import { createLiveFeed, type LiveMessage } from '../modules/training/live.js';
import { createTestHub, type TestHub } from '../test/harness.js';
import { createScratchDatabase, type ScratchDatabase } from '../test/scratch-postgres.js';
import { createCluster, type Cluster } from './cluster.js';

// What replicas tell each other over PostgreSQL NOTIFY, with the services that use it: a session revoked on one
// replica is refused by another at once (not after its 5 s cache), and a run's epochs published by the worker
// reach a watcher on another replica, its end (too large for a NOTIFY) read from the store there.
const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('across replicas (PostgreSQL bus)', () => {
  let db: ScratchDatabase;
  let t: TestHub;
  let a: Cluster;
  let b: Cluster;
  beforeAll(async () => {
    db = await createScratchDatabase('replicas_cross');
    a = createCluster({ databaseUrl: db.url, replicaId: 'a', role: 'all', pollMs: 200, log });
    b = createCluster({ databaseUrl: db.url, replicaId: 'b', role: 'all', pollMs: 200, log });
    await a.start();
    await b.start();
    // The sessions' rows: one store both session services read (SQLite here; the bus is what is under test).
    t = await createTestHub();
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await t.close();
    await db.drop();
  });

  it('a session revoked on replica A is refused on replica B at once', async () => {
    const deps = { authRepo: createAuthRepo(t.hub.store.db), usersRepo: t.hub.services.usersRepo, clock: { now: () => new Date() }, sessionTtlMs: 3_600_000, mfaLoginTtlMs: 60_000 };
    const onA = createSessionService({ ...deps, bus: a.bus });
    const onB = createSessionService({ ...deps, bus: b.bus });
    const admin = (await t.hub.services.usersRepo.findByUsername('admin'))!;
    const token = await onA.issue(admin.id, 'session');
    const user = await onB.authenticate(token); // now cached on B for 5 s
    await onA.revoke(user.sessionId);
    await sleep(300);
    await expect(onB.authenticate(token)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('epoch updates published on the worker reach a watcher on another replica, then the end read from the store', async () => {
    const complete: TrainingComplete = {
      type: 'training_complete', status: 'completed', current_epoch: 400, total_epochs: 400, best_val_loss: 0.1,
      final_metrics: Array.from({ length: 400 }, (_, i) => ({ train_loss: 1 / (i + 1), val_loss: 1 / (i + 2) })), model_id: 'mdl_1', error: null,
    };
    const onWorker = createLiveFeed({ bus: a.bus, log, loadComplete: async () => null });
    const onApi = createLiveFeed({ bus: b.bus, log, loadComplete: async (id) => (id === 'tr_1' ? complete : null) });
    const heard: LiveMessage[] = [];
    onApi.subscribe('tr_1', (m) => heard.push(m));
    for (let e = 1; e <= 3; e++) {
      onWorker.publish('tr_1', {
        type: 'epoch_update', current_epoch: e, total_epochs: 400, train_loss: 1 / e, val_loss: null, best_val_loss: null, learning_rate: 0.001,
        elapsed_seconds: e, estimated_remaining_seconds: 400 - e,
      });
    }
    onWorker.publish('tr_1', complete);
    const until = Date.now() + 5000;
    while (heard.length < 4 && Date.now() < until) await sleep(20);
    expect(heard.map((m) => (m.type === 'epoch_update' ? m.current_epoch : m.type))).toEqual([1, 2, 3, 'training_complete']);
    expect((heard[3] as TrainingComplete).final_metrics).toHaveLength(400);
  });
});
