import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, badRequest } from '../../../errors.js';
import { upstreamRejected, upstreamTimeout } from '../upstream.js';
import type { SourceContext, SourceRecord } from './context.js';

// sqlite: a file on the hub's machine, opened read-only, and only under the configured import directory
// (real paths compared, so `..` and symlinks pointing out are refused). The query runs in a child process
// (sqlite-child.mjs) that is killed at the connector timeout.
export interface SqliteSource {
  connection_string: string;
  query: string;
}

export function resolveImportPath(importDir: string, requested: string): string {
  const refused = (why: string) => badRequest("Invalid request body: 'connection_string' is outside the import directory", why);
  if (!fs.existsSync(importDir)) throw refused(`The import directory ${importDir} does not exist`);
  const root = fs.realpathSync(importDir);
  const candidate = path.resolve(root, requested);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) throw refused(`${requested} is not under ${root}`);
  if (!fs.existsSync(candidate)) throw badRequest("Invalid request body: 'connection_string' names no file", `${requested} does not exist under ${root}`);
  const real = fs.realpathSync(candidate);
  if (!real.startsWith(root + path.sep)) throw refused(`${requested} leads outside ${root}`);
  if (!fs.statSync(real).isFile()) throw badRequest("Invalid request body: 'connection_string' is not a file");
  return real;
}

interface ChildAnswer {
  rows?: SourceRecord[];
  error?: { kind: 'not_sqlite' | 'not_reader' | 'rejected'; message: string };
}

const CHILD = fileURLToPath(new URL('./sqlite-child.mjs', import.meta.url));

/** Runs the query read-only in a child process, killed at the connector timeout (504) instead of blocking the hub. */
export async function readSqlite(src: SqliteSource, ctx: SourceContext): Promise<SourceRecord[]> {
  const file = resolveImportPath(ctx.importDir, src.connection_string);
  // No --import tsx (the child is plain JS); 'advanced' keeps row values (numbers, blobs) as they are.
  const child = fork(CHILD, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await new Promise<ChildAnswer>((resolve, reject) => {
      timer = setTimeout(() => reject(upstreamTimeout('SQLite query', ctx.timeoutMs)), ctx.timeoutMs);
      child.once('message', (m) => resolve(m as ChildAnswer));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the SQLite reader exited (${code}) without an answer: ${stderr.trim()}`)));
      child.send({ file, query: src.query, maxRows: ctx.rowCap + 1 });
    });
    const { error } = answer;
    if (error?.kind === 'not_sqlite') throw new AppError('BAD_REQUEST', 'Not a SQLite database', { details: error.message });
    if (error?.kind === 'not_reader') throw badRequest('Only queries that return rows can be imported', error.message);
    if (error) throw upstreamRejected('SQLite', error.message);
    return answer.rows ?? [];
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
