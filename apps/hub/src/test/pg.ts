import { createHash } from 'node:crypto';
import pg from 'pg';
import { testDatabaseServerUrl, type Env } from '../config.js';

// Test hubs on PostgreSQL: when the run has a DATABASE_URL (`npm run test:pg`), every test hub gets its own
// schema on that server, named after its data dir, so a hub restarted on the same dir finds its tables again.
// Schemas are cheap to create and drop (a database costs a checkpoint to drop). The vitest workers of one run
// share a parent process; pg-teardown.ts drops what the run's hubs left behind.
export const TEST_SCHEMA_PREFIX = 'prom_t_';

export function testSchemaName(dataDir: string, runPid = process.ppid): string {
  return `${TEST_SCHEMA_PREFIX}${runPid}_${createHash('sha1').update(dataDir).digest('hex').slice(0, 12)}`;
}

export async function onTestServer<T>(fn: (client: pg.Client) => Promise<T>, server = testDatabaseServerUrl()): Promise<T | undefined> {
  if (!server) return undefined;
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The environment a hub on `dataDir` needs for its store in this test run: {} on SQLite, else its DATABASE_URL. */
export async function testStoreEnv(dataDir: string): Promise<Env> {
  const server = testDatabaseServerUrl();
  if (!server) return {};
  const schema = testSchemaName(dataDir);
  await onTestServer((c) => c.query(`create schema if not exists "${schema}"`), server);
  const url = new URL(server);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { DATABASE_URL: url.toString() };
}

/** Drops the schema of the hub on `dataDir` (nothing on SQLite: the data dir holds its store). */
export async function dropTestStore(dataDir: string): Promise<void> {
  await onTestServer((c) => c.query(`drop schema if exists "${testSchemaName(dataDir)}" cascade`));
}
