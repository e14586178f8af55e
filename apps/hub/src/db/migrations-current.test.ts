import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Several people change the schema at once; a migration generated for one dialect and not the other (or not at
// all) only shows on a database that was never migrated by hand. drizzle-kit, run on a copy of each migration
// folder, must find nothing left to generate.
const hubDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-migrations-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const dialects = [
  { dialect: 'sqlite', schema: './src/db/schema/index.ts', folder: 'drizzle' },
  { dialect: 'postgresql', schema: './drizzle-pg.schema.cjs', folder: 'drizzle-pg' },
] as const;

describe('the committed migrations', () => {
  for (const { dialect, schema, folder } of dialects) {
    it(`cover the whole schema on ${dialect}`, () => {
      const copy = path.join(scratch, folder);
      fs.cpSync(path.join(hubDir, folder), copy, { recursive: true });
      const before = fs.readdirSync(copy).sort();
      // drizzle-kit prefixes --out with "./", so it must be relative to the hub's directory.
      const out = path.relative(hubDir, copy);
      const run = spawnSync('npx', ['drizzle-kit', 'generate', '--dialect', dialect, '--schema', schema, '--out', out, '--name', 'uncommitted'], {
        cwd: hubDir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const added = fs.readdirSync(copy).filter((f) => !before.includes(f));
      const sql = added.map((f) => fs.readFileSync(path.join(copy, f), 'utf8')).join('\n');
      expect(added, `schema changes without a ${folder}/ migration (npm run db:generate -w apps/hub -- <name>):\n${sql}`).toEqual([]);
    }, 90_000);
  }
});
