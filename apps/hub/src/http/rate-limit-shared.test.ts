import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createScratchDatabase, type ScratchDatabase } from '../test/scratch-postgres.js';
import { createLockout, createRateLimits } from './rate-limit.js';

// Replicas count in one PostgreSQL table: the login limit and the wrong-password lock hold however the
// attempts are spread. Two limiters on two pools stand for two hub processes.
describe('rate limits shared through PostgreSQL', () => {
  let db: ScratchDatabase;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    db = await createScratchDatabase('replicas_limits');
    pools.push(new pg.Pool({ connectionString: db.url, max: 2 }), new pg.Pool({ connectionString: db.url, max: 2 }));
  });
  afterAll(async () => {
    for (const p of pools) await p.end();
    await db.drop();
  });

  it('30 logins a minute per IP across two replicas: the 31st is refused with Retry-After', async () => {
    const [a, b] = pools.map((pool) => createRateLimits({ login: 30, api: 1000, agent: 20 }, { pool: pool! })) as [ReturnType<typeof createRateLimits>, ReturnType<typeof createRateLimits>];
    for (let i = 0; i < 30; i++) await (i % 2 ? a : b).consume('login', '203.0.113.7');
    const refused = await a.consume('login', '203.0.113.7').then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('RATE_LIMITED');
    // Another address is not affected; nor are the other kinds of limit.
    await b.consume('login', '203.0.113.8');
    await b.consume('api', '203.0.113.7');
  });

  it('wrong current passwords lock the change on every replica', async () => {
    const o = { what: 'current passwords', attempts: 3, windowSeconds: 60, lockSeconds: 60 };
    const [a, b] = pools.map((pool) => createLockout(o, { pool: pool! })) as [ReturnType<typeof createLockout>, ReturnType<typeof createLockout>];
    await a.fail('usr_1');
    await b.fail('usr_1');
    await expect(a.fail('usr_1')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(b.check('usr_1')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await b.check('usr_2');
  });
});
