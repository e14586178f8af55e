import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type HubDatabase } from '../../db/client.js';
import { users } from '../../db/schema/index.js';
import { createScratchDatabase, type ScratchDatabase } from '../../test/scratch-postgres.js';
import { createTrainingRepo, type NewRunRow } from './repo.js';

// The training queue on PostgreSQL itself: workers on their own pools claim at the same moment and never take the
// same run (FOR UPDATE SKIP LOCKED); a lease that lapsed requeues the run, twice fails it; a renewal only lands for its holder.
describe('training claims on PostgreSQL', () => {
  let db: ScratchDatabase;
  const stores: HubDatabase[] = [];
  const now = Date.now();
  const run = (i: number): NewRunRow => ({
    id: `tr_claim${String(i).padStart(4, '0')}`, ownerId: 'usr_owner', datasetId: 'ds_1', name: `run ${i}`, architecture: 'lstm_autoencoder',
    hyperparameters: {} as NewRunRow['hyperparameters'], status: 'queued', totalEpochs: 2, learningRate: 0.001, createdAt: new Date(now + i),
  });

  beforeAll(async () => {
    db = await createScratchDatabase('replicas_claims');
    for (let i = 0; i < 3; i++) stores.push(await openDatabase({ file: '', url: db.url }));
    await stores[0]!.db.insert(users).values({
      id: 'usr_owner', username: 'owner', email: 'owner@example.com', passwordHash: 'x', role: 'admin', createdAt: new Date(now), updatedAt: new Date(now),
    });
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await db.drop();
  });

  it('three workers claiming 30 runs at once take each exactly once, oldest first per worker', async () => {
    const repos = stores.map((s) => createTrainingRepo(s.db, s.dialect));
    for (let i = 0; i < 30; i++) await repos[0]!.insert(run(i));
    const lease = new Date(now + 60_000);
    const claimed = await Promise.all(repos.map(async (repo, w) => {
      const mine: string[] = [];
      for (;;) {
        const got = await repo.claimNext(`worker-${w}`, new Date(), lease);
        if (!got) return mine;
        mine.push(got.id);
      }
    }));
    const all = claimed.flat();
    // Each claim takes one run (a claim that took more would leave runs running that no worker trains).
    expect(all).toHaveLength(30);
    expect(new Set(all).size).toBe(30);
    for (const mine of claimed) expect([...mine].sort()).toEqual(mine);
    const held = await repos[1]!.findById(all[0]!);
    expect(held).toMatchObject({ status: 'running' });
    expect(held?.workerId).toMatch(/^worker-\d$/);
    expect(await repos[2]!.countQueued()).toBe(0);
  });

  it('renews only for the holder; a lapsed run is requeued once, then failed with the reason naming the worker', async () => {
    const repo = createTrainingRepo(stores[0]!.db, 'postgres');
    await repo.insert(run(100));
    const claimed = await repo.claimNext('worker-x', new Date(), new Date(Date.now() + 200));
    expect(claimed?.id).toBe('tr_claim0100');
    expect(await repo.renewLease('tr_claim0100', 'worker-y', new Date(Date.now() + 60_000))).toBe(false);
    expect(await repo.renewLease('tr_claim0100', 'worker-x', new Date(Date.now() + 300))).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    const reason = (w: string | null) => `lease of ${w ?? '?'} lapsed`;
    const requeued = await repo.sweepLapsed(new Date(), reason);
    expect(requeued.map((r) => [r.run.id, r.run.status, r.lapsedWorker])).toContainEqual(['tr_claim0100', 'queued', 'worker-x']);
    // The worker's late writes no longer land.
    expect(await repo.updateHeld('tr_claim0100', 'worker-x', { currentEpoch: 9 })).toBeUndefined();
    expect(await repo.renewLease('tr_claim0100', 'worker-x', new Date(Date.now() + 60_000))).toBe(false);
    // Its own earlier attempt still runs on worker-x: it is skipped there (PostgreSQL's form of the claim).
    expect(await repo.claimNext('worker-x', new Date(), new Date(Date.now() + 200), ['tr_claim0100'])).toBeUndefined();
    expect((await repo.claimNext('worker-z', new Date(), new Date(Date.now() + 200)))?.id).toBe('tr_claim0100');
    await new Promise((r) => setTimeout(r, 300));
    await repo.sweepLapsed(new Date(), reason);
    expect(await repo.findById('tr_claim0100')).toMatchObject({ status: 'failed', error: 'lease of worker-z lapsed', leaseLapses: 2 });
  });

  it('places a queued run in the queue and takes it out on stop', async () => {
    const repo = createTrainingRepo(stores[1]!.db, 'postgres');
    await repo.insert(run(200));
    await repo.insert(run(201));
    expect(await repo.queuePosition((await repo.findById('tr_claim0201'))!)).toBe(2);
    expect(await repo.stopQueued('tr_claim0200', new Date())).toMatchObject({ status: 'stopped' });
    expect(await repo.stopQueued('tr_claim0200', new Date())).toBeUndefined();
    expect(await repo.queuePosition((await repo.findById('tr_claim0201'))!)).toBe(1);
  });
});
