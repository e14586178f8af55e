import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, getTableName, is, sql } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabaseServerUrl } from '../config.js';
import { onTestServer } from '../test/pg.js';
import { openDatabase, type HubDatabase } from './client.js';
import { pgTables } from './pg-schema.js';
import * as schema from './schema/index.js';

// The store on both dialects. PostgreSQL runs on every machine the tests run on (.ci/run starts it); these tests
// use the run's DATABASE_URL server when set, else the local one.
const server = testDatabaseServerUrl() ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];

async function freshPostgres(): Promise<{ url: string; schema: string }> {
  const name = `prom_store_${process.pid}_${schemas.length}`;
  schemas.push(name);
  await onTestServer((c) => c.query(`drop schema if exists "${name}" cascade; create schema "${name}"`), server);
  const url = new URL(server);
  url.searchParams.set('options', `-c search_path=${name}`);
  return { url: url.toString(), schema: name };
}

afterAll(async () => {
  await onTestServer(async (c) => {
    for (const name of schemas) await c.query(`drop schema if exists "${name}" cascade`);
  }, server);
});

const sqliteTables = Object.entries(schema).filter(([, v]) => is(v, SQLiteTable)) as [string, SQLiteTable][];

describe('the schema source', () => {
  it('has a PostgreSQL twin of every SQLite table, under the same export and table name', () => {
    expect(Object.keys(pgTables).sort()).toEqual(sqliteTables.map(([key]) => key).sort());
    for (const [key, table] of sqliteTables) expect(getTableName(pgTables[key]!)).toBe(getTableName(table));
  });
});

async function roundTrip(store: HubDatabase) {
  const { db } = store;
  const at = new Date(1_765_000_000_123);
  await db.insert(schema.users).values({
    id: 'u1', username: 'Ada', email: 'ada@example.com', passwordHash: 'h', role: 'admin', createdAt: at, updatedAt: at,
  });
  await db.insert(schema.userPreferences).values({ userId: 'u1', preferences: { theme: 'dark', n: 2 }, updatedAt: at });
  const [user] = await db.select().from(schema.users).where(eq(schema.users.id, 'u1'));
  expect(user).toMatchObject({ username: 'Ada', emailVerified: false, mfaEnabled: false, mfaLastStep: null, createdAt: at });
  expect(user!.createdAt).toBeInstanceOf(Date);
  const [prefs] = await db.select().from(schema.userPreferences);
  expect(prefs!.preferences).toEqual({ theme: 'dark', n: 2 });
  const updated = await db.update(schema.users).set({ mfaEnabled: true, mfaLastStep: 58_833_333_333 }).where(eq(schema.users.id, 'u1')).returning({ id: schema.users.id });
  expect(updated).toEqual([{ id: 'u1' }]);
  const [again] = await db.select({ on: schema.users.mfaEnabled, step: schema.users.mfaLastStep }).from(schema.users);
  expect(again).toEqual({ on: true, step: 58_833_333_333 });
  expect(await store.rows(sql`select count(*) as n from users where username = ${'Ada'}`)).toEqual([{ n: 1 }]);
  expect(await db.$count(schema.users)).toBe(1);
  expect(await store.ping()).toBe(true);
}

describe('a store', () => {
  it('on SQLite: reads back what it wrote with the same JS types', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-store-'));
    const store = await openDatabase({ file: path.join(dir, 'prometheus.db') });
    try {
      expect(store.dialect).toBe('sqlite');
      await roundTrip(store);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on PostgreSQL: migrates an empty schema once and reads back the same JS types', async () => {
    const { url, schema: name } = await freshPostgres();
    // Two replicas starting together: the advisory lock lets one migrate, the other finds the work done.
    const [store, other] = await Promise.all([openDatabase({ file: 'unused', url }), openDatabase({ file: 'unused', url })]);
    try {
      expect(store.dialect).toBe('postgres');
      await roundTrip(store);
      const applied = await store.rows<{ n: number }>(sql`select count(*) as n from ${sql.identifier(name)}.__drizzle_migrations`);
      const journal = JSON.parse(fs.readFileSync(new URL('../../drizzle-pg/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };
      expect(applied).toEqual([{ n: journal.entries.length }]);
      const tables = await store.rows<{ t: string }>(sql`select table_name as t from information_schema.tables where table_schema = ${name} order by 1`);
      expect(tables.map((r) => r.t)).toEqual([...sqliteTables.map(([, t]) => getTableName(t)), '__drizzle_migrations'].sort());
    } finally {
      await store.close();
      await other.close();
    }
    const reopened = await openDatabase({ file: 'unused', url });
    try {
      expect(await reopened.rows(sql`select username from users`)).toEqual([{ username: 'Ada' }]);
    } finally {
      await reopened.close();
    }
  });
});
