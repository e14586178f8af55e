import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { createUsersRepo } from './repo.js';
import { createUsersService } from './users-service.js';

// Two requests (or two replicas) creating the same unique thing at once: both pass the service's look-up before
// either inserts, so the store's unique constraint decides. The loser must get the answer the look-up would have
// given (409, or signup's documented 400), never a 500.
type Json = Record<string, unknown>;

describe('unique races', () => {
  let t: TestHub;
  let admin: string;

  beforeAll(async () => {
    t = await createTestHub();
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  const createUser = (username: string, email: string) =>
    t.request('POST', '/api/v1/admin/users', { token: admin, json: { username, email, password: 'secure_password', role: 'operator' } });

  async function settle(responses: Response[]): Promise<{ statuses: number[]; loser: Json }> {
    const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as Json })));
    const loser = bodies.find((b) => b.status >= 300);
    return { statuses: bodies.map((b) => b.status).sort(), loser: loser?.body ?? {} };
  }

  it('two admins creating the same username at once: one 201, one 409 naming the username', async () => {
    const { statuses, loser } = await settle(await Promise.all([createUser('racer', 'racer1@example.com'), createUser('racer', 'racer2@example.com')]));
    expect(statuses).toEqual([201, 409]);
    expect(loser).toMatchObject({ code: 'CONFLICT', error: 'Username taken' });
  });

  it('the same email under two usernames at once: one 201, one 409 naming the email', async () => {
    const { statuses, loser } = await settle(await Promise.all([createUser('mail-a', 'same@example.com'), createUser('mail-b', 'same@example.com')]));
    expect(statuses).toEqual([201, 409]);
    expect(loser).toMatchObject({ code: 'CONFLICT', error: 'Email already registered' });
  });

  it('two users moved to the same email at once: one 200, one 409', async () => {
    const a = await t.userWithRole('viewer');
    const b = await t.userWithRole('viewer');
    const move = (username: string) => t.request('PUT', `/api/v1/admin/users/${username}`, { token: admin, json: { email: 'moved@example.com' } });
    const { statuses, loser } = await settle(await Promise.all([move(a.username), move(b.username)]));
    expect(statuses).toEqual([200, 409]);
    expect(loser).toMatchObject({ code: 'CONFLICT', error: 'Email already registered' });
  });

  it('two signups of one username at once: one 201, one 400 as for a taken username', async () => {
    const signup = (email: string) => t.request('POST', '/api/v1/auth/signup', { json: { username: 'signup-racer', email, password: 'correct-horse-1' } });
    const { statuses, loser } = await settle(await Promise.all([signup('sr1@example.com'), signup('sr2@example.com')]));
    expect(statuses).toEqual([201, 400]);
    expect(loser).toMatchObject({ code: 'VALIDATION_ERROR', error: 'Username taken' });
  });

  it('two replicas starting on an empty store at once create one admin, and neither start fails', async () => {
    const fresh = await createTestHub();
    try {
      const store = fresh.hub.store;
      const repo = createUsersRepo(store.db);
      await repo.delete((await repo.findByUsername('admin'))!.id);
      const service = () => createUsersService({
        usersRepo: repo, sessions: { revokeAll: async () => 0, forgetUser: () => {} } as never, events: { emit: () => {} } as never,
        clock: { now: () => new Date() }, log: pino({ level: 'silent' }), newUserTier: 'free',
      });
      await Promise.all([service().ensureBootstrapAdmin('first-password-1'), service().ensureBootstrapAdmin('first-password-2')]);
      expect(await repo.count()).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});
