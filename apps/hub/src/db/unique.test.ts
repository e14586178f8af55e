import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabaseServerUrl } from '../config.js';
import { errorResponse } from '../http/errors-http.js';
import type { HubEnv } from '../http/context.js';
import { createBillingRepo } from '../modules/billing/repo.js';
import { onTestServer } from '../test/pg.js';
import { openDatabase, type HubDatabase } from './client.js';
import * as schema from './schema/index.js';
import { uniqueViolation } from './unique.js';

// A unique key's refusal reads the same on both dialects, and the HTTP layer answers it 409 wherever a service
// did not word it itself.
const server = testDatabaseServerUrl() ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = `prom_unique_${process.pid}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-unique-'));

afterAll(async () => {
  await onTestServer((c) => c.query(`drop schema if exists "${pgSchema}" cascade`), server);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(dialect: 'sqlite' | 'postgres'): Promise<HubDatabase> {
  if (dialect === 'sqlite') return openDatabase({ file: path.join(dir, 'prometheus.db') });
  await onTestServer((c) => c.query(`drop schema if exists "${pgSchema}" cascade; create schema "${pgSchema}"`), server);
  const url = new URL(server);
  url.searchParams.set('options', `-c search_path=${pgSchema}`);
  return openDatabase({ file: 'unused', url: url.toString() });
}

const user = (id: string, username: string, email: string) =>
  ({ id, username, email, passwordHash: 'h', role: 'operator' as const, createdAt: new Date(), updatedAt: new Date() });

describe.each(['sqlite', 'postgres'] as const)('a unique key on %s', (dialect) => {
  it('names the table and columns it refused, and the HTTP layer answers 409 CONFLICT', async () => {
    const store = await open(dialect);
    try {
      await store.db.insert(schema.users).values(user('u1', 'ada', 'ada@example.com'));
      const err = await store.db.insert(schema.users).values(user('u2', 'bob', 'ada@example.com')).then(() => undefined, (e: unknown) => e);
      expect(uniqueViolation(err)).toEqual({ table: 'users', columns: ['email'] });
      const pk = await store.db.insert(schema.users).values(user('u1', 'cy', 'cy@example.com')).then(() => undefined, (e: unknown) => e);
      expect(uniqueViolation(pk)).toEqual({ table: 'users', columns: ['id'] });
      expect(uniqueViolation(new Error('UNIQUE constraint failed: users.email'))).toBeUndefined();

      const app = new Hono<HubEnv>().onError(errorResponse).get('/', () => { throw err; });
      const res = await app.request('/');
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({ error: 'Already exists', code: 'CONFLICT', details: 'Another request created the same users email at the same time' });
    } finally {
      await store.close();
    }
  });

  it('two requests rolling the period of an account that lost its subscription row both get a row', async () => {
    const store = await open(dialect);
    try {
      await store.db.insert(schema.users).values(user('u9', 'dee', 'dee@example.com'));
      const repo = createBillingRepo(store.db);
      const now = new Date();
      const roll = () => repo.rollPeriod('u9', now, () => 1000, (start) => new Date(start.getTime() + 30 * 86_400_000));
      await Promise.all([1, 2, 3].map(() => store.ping())); // warm connections: the three start together
      const rows = await Promise.all([roll(), roll(), roll()]);
      expect(rows.map((r) => r?.userId)).toEqual(['u9', 'u9', 'u9']);
      expect(await store.db.$count(schema.subscriptions)).toBe(1);
    } finally {
      await store.close();
    }
  });
});
