import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../test/scratch-postgres.js';
import { createCluster, type Cluster } from './cluster.js';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('cluster on SQLite (one process)', () => {
  it('leads, hears its own messages, locks in memory and lists itself', async () => {
    const c = createCluster({ databaseUrl: undefined, replicaId: 'solo', role: 'all', pollMs: 100, log });
    await c.start();
    const heard: unknown[] = [];
    c.bus.subscribe('training.live', (m) => heard.push(m));
    c.bus.publish('training.live', { n: 1 });
    c.setTrainingSlots(3);
    expect(c.leader.isLeader()).toBe(true);
    expect(heard).toEqual([{ n: 1 }]);
    expect(c.members()).toMatchObject([{ replicaId: 'solo', trainingSlots: 3, leader: true }]);
    await c.stop();
  });
});

describe('cluster on PostgreSQL', () => {
  let db: ScratchDatabase;
  const clusters: Cluster[] = [];
  const make = (replicaId: string, role: 'all' | 'api' | 'worker' = 'all') => {
    const c = createCluster({ databaseUrl: db.url, replicaId, role, pollMs: 100, log });
    clusters.push(c);
    return c;
  };
  beforeAll(async () => {
    db = await createScratchDatabase('replicas_cluster');
  });
  afterAll(async () => {
    for (const c of clusters) await c.stop().catch(() => undefined);
    await db.drop();
  });

  it('elects one leader; when it stops another takes over', async () => {
    const a = make('a');
    const b = make('b');
    await a.start();
    await b.start();
    await until('a leader', () => a.leader.isLeader() || b.leader.isLeader());
    await sleep(300);
    expect([a.leader.isLeader(), b.leader.isLeader()].filter(Boolean)).toHaveLength(1);
    const [first, second] = a.leader.isLeader() ? [a, b] : [b, a];
    await first.stop();
    await until('the other replica to lead', () => second.leader.isLeader(), 2000);
    await second.stop();
  });

  // A worker runs only datasets, evaluations and training: as leader it would hold the lock while the rollout engine
  // and the deployment timers, which live on api replicas, never ran.
  it('never elects a worker, even when it is the only one left', async () => {
    const w = make('w', 'worker');
    await w.start();
    await sleep(400);
    expect(w.leader.isLeader()).toBe(false);
    const api = make('api', 'api');
    await api.start();
    await until('the api replica to lead', () => api.leader.isLeader(), 2000);
    expect(w.leader.isLeader()).toBe(false);
    await api.stop();
    await w.stop();
  });

  it('carries messages to every replica in the order sent, and lists members', async () => {
    const a = make('m-a');
    const b = make('m-b');
    await a.start();
    await b.start();
    a.setTrainingSlots(2);
    const heardByB: unknown[] = [];
    const heardByA: unknown[] = [];
    b.bus.subscribe('training.live', (m) => heardByB.push(m));
    a.bus.subscribe('training.live', (m) => heardByA.push(m));
    for (let i = 0; i < 50; i++) a.bus.publish('training.live', { i });
    await until('50 messages on b', () => heardByB.length === 50);
    expect(heardByB).toEqual(Array.from({ length: 50 }, (_, i) => ({ i })));
    await until('50 messages on a', () => heardByA.length === 50);
    await until('a among b\'s members with 2 slots', () => b.members().some((m) => m.replicaId === 'm-a' && m.trainingSlots === 2));
    await a.stop();
    await until('a gone from b\'s members', () => !b.members().some((m) => m.replicaId === 'm-a'));
    await b.stop();
  });

  it('locks a key across replicas', async () => {
    const a = make('l-a');
    const b = make('l-b');
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside += 1;
      most = Math.max(most, inside);
      await sleep(30);
      inside -= 1;
    };
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).withLock('user:1', work)));
    expect(most).toBe(1);
    // Different keys do not wait for each other.
    let overlapped = false;
    await Promise.all([
      a.withLock('k1', async () => { await sleep(100); }),
      b.withLock('k2', async () => { overlapped = true; }),
    ]);
    expect(overlapped).toBe(true);
    await a.stop();
    await b.stop();
  });

  it('many keys locked at once, each holder taking a second lock inside (enrollment, then its dataset), all finish', async () => {
    const a = make('burst-a');
    const b = make('burst-b');
    await a.start();
    await b.start();
    const heard: unknown[] = [];
    b.bus.subscribe('training.live', (m) => heard.push(m));
    // The holders share one lock connection; its queries must not overlap (pg warns now, pg 9 will refuse).
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    // 40 holders at once, more than any pool the cluster keeps, each nesting a lock as an enrollment nests its
    // edge dataset's (a connection per holder deadlocked here: 8 outer holders waited for a 9th connection).
    const done = Promise.all(Array.from({ length: 40 }, (_, i) => a.withLock(`enrollment:${i}`, () => a.withLock(`dataset:edge:${i}`, async () => {
      a.bus.publish('training.live', { i });
      await sleep(20);
    }))));
    await Promise.race([done, sleep(8000).then(() => { throw new Error('the nested locks never finished'); })]);
    process.off('warning', onWarning);
    expect(warnings.filter((m) => m.includes('already executing a query'))).toEqual([]);
    await until('every message heard on the other replica', () => heard.length === 40, 10_000);
    // The same key from both replicas still takes turns after the burst.
    let inside = 0;
    let most = 0;
    await Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? a : b).withLock('after-burst', async () => {
      most = Math.max(most, (inside += 1));
      await sleep(20);
      inside -= 1;
    })));
    expect(most).toBe(1);
    await a.stop();
    await b.stop();
  });

  it('a leader killed with SIGKILL is replaced within seconds', async () => {
    const script = fileURLToPath(new URL('../test/cluster-replica.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, db.url, 'doomed'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout, 'data');
    const survivor = make('survivor');
    await survivor.start();
    await sleep(500);
    expect(survivor.leader.isLeader()).toBe(false);
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await until('the survivor to lead', () => survivor.leader.isLeader(), 5000);
    expect(Date.now() - killedAt).toBeLessThan(3000);
    await survivor.stop();
  });
});
