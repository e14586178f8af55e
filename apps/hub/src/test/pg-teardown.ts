import { onTestServer, TEST_SCHEMA_PREFIX } from './pg.js';

// vitest globalSetup: after a PostgreSQL test run, drops the schemas its test hubs did not (a hub stopped without
// close(), a failed test). Workers name schemas after this process's pid (their parent), see pg.ts.
export default function setup(): () => Promise<void> {
  return async () => {
    await onTestServer(async (c) => {
      const { rows } = await c.query<{ name: string }>('select nspname as name from pg_namespace where nspname like $1', [`${TEST_SCHEMA_PREFIX}${process.pid}_%`]);
      for (const { name } of rows) await c.query(`drop schema if exists "${name}" cascade`);
    });
  };
}
