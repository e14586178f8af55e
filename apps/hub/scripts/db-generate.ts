// Generates the migrations of a schema change for both dialects from the one schema (src/db/schema):
//   npm run db:generate -w apps/hub -- <name>
// SQLite's land in drizzle/, PostgreSQL's in drizzle-pg/ (src/db/pg-schema.ts derives its tables). Commit both.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('usage: npm run db:generate -w apps/hub -- <name, lower_snake_case>\n');
  process.exit(2);
}
const hubDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const config of ['drizzle.config.ts', 'drizzle.pg.config.ts']) {
  const run = spawnSync('npx', ['drizzle-kit', 'generate', '--config', config, '--name', name], { cwd: hubDir, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
