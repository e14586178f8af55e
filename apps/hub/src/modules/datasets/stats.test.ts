import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatasetEngine } from './engine.js';
import { scanStats } from './stats.js';
import { csvReader } from './storage.js';

// Wide data takes the long-form stats (UNPIVOT, batches of columns); the rest one row of aggregates. Both must
// say the same of the same file, including the cells UNPIVOT leaves out (empty) and a column with no cells at all.
describe('scanStats', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stats-'));
  const roomy = createDatasetEngine({ threads: 1, memoryMb: 1024, tmpDir: dir });
  const tight = createDatasetEngine({ threads: 1, memoryMb: 32, tmpDir: dir });
  afterAll(() => {
    roomy.close();
    tight.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same stats in long form (wide data) as in one row', async () => {
    const columns = ['timestamp', ...Array.from({ length: 80 }, (_, i) => `p${i}`)];
    const cell = (r: number, c: number) => (c === 5 ? '' : c === 6 && r % 3 === 0 ? '#VALUE!' : c === 7 && r === 2 ? 'nan' : (r % 4 === 1 && c % 5 === 0) ? '' : String((r * 17 + c * 3) % 29 - 7.25));
    const lines = [columns.join(',')];
    for (let r = 0; r < 300; r += 1) lines.push([new Date(Date.UTC(2026, 0, 1) + r * 60_000).toISOString(), ...columns.slice(1).map((_, c) => cell(r, c))].join(','));
    const file = path.join(dir, 'wide.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const target = { relation: csvReader(file, columns, ','), columns, timeColumn: 'timestamp', layout: { timeFormat: 'iso' as const } };
    const one = await scanStats(roomy, target);
    const long = await scanStats(tight, target);
    expect(long.rowCount).toBe(300);
    expect({ ...long, stats: undefined }).toEqual({ ...one, stats: undefined });
    expect(Object.keys(long.stats)).toEqual(columns.slice(1));
    for (const c of columns.slice(1)) {
      const [a, b] = [one.stats[c]!, long.stats[c]!];
      expect({ ...b, mean: 0, m2: 0 }).toEqual({ ...a, mean: 0, m2: 0 });
      expect(b.mean).toBeCloseTo(a.mean, 9);
      expect(b.m2).toBeCloseTo(a.m2, 6);
    }
    expect(long.stats.p5).toMatchObject({ kind: 'text', n: 0, missing: 300 });
    expect(long.stats.p10).toMatchObject({ n: 225, missing: 75 });
    expect(long.stats.p6).toMatchObject({ strings: 100 });
  });
});
