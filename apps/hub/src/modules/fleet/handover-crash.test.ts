import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../config.js';
import { testStoreEnv } from '../../test/pg.js';
import type { CrashStep } from './handover-crash.child.js';

// Exactly once across the telemetry -> dataset hand-over when the hub dies (SIGKILL) at each point of an append:
// before it, with the rows written but not committed, with a widened copy written but not committed, after the
// commit (before the widened copy's rename), and after the append before the journal is settled. Each crash is a
// child process killed at that point; the next child starts on the same data dir, recovers, and goes on.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handover-crash-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
// On a PostgreSQL test run every child uses the schema of this data dir.
let storeEnv: Env = {};
beforeAll(async () => void (storeEnv = await testStoreEnv(dataDir)));

function child(step: CrashStep | null) {
  const out = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'handover-crash.child.ts'), dataDir, JSON.stringify(step), JSON.stringify(storeEnv)], {
    cwd: path.resolve(import.meta.dirname, '../../..'), encoding: 'utf8', timeout: 120_000,
  });
  return { signal: out.signal, status: out.status, stdout: out.stdout, stderr: out.stderr };
}

const steps: CrashStep[] = [
  { name: 'inflight', point: 'inflight', widen: false, locked: false },
  { name: 'appended', point: 'appended', widen: false, locked: false },
  { name: 'committed', point: 'committed', widen: false, locked: false },
  { name: 'handed', point: 'handed', widen: false, locked: false },
  { name: 'widened', point: 'widened', widen: true, locked: false },
  { name: 'widen-committed', point: 'committed', widen: true, locked: false },
  { name: 'tail-appended', point: 'appended', widen: false, locked: true },
  { name: 'tail-widened', point: 'widened', widen: true, locked: true },
  { name: 'tail-widen-committed', point: 'committed', widen: true, locked: true },
];

describe('dataset hand-over across crashes', () => {
  it('holds every reading exactly once, in order, after a SIGKILL at each point of an append', { timeout: 600_000 }, () => {
    for (const step of steps) {
      const run = child(step);
      expect(run.signal, `${step.name}: ${run.stdout}${run.stderr.slice(-2000)}`).toBe('SIGKILL');
    }
    const last = child(null);
    expect(last.status, last.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(last.stdout.trim().split('\n').at(-1)!) as Record<string, { rows: number; a: number[]; n: number; columns: string[] }>;
    for (const step of steps) {
      const r = report[step.name]!;
      expect(r.a, step.name).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(r, step.name).toMatchObject({ rows: 100, n: 100 });
      expect(r.columns, step.name).toEqual(step.widen ? ['timestamp', 'a', 'b', 'c'] : ['timestamp', 'a', 'b']);
    }
  });
});
