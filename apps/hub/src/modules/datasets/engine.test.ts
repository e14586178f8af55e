import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { createDatasetEngine } from './engine.js';

describe('dataset engine', () => {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-'));
  const engine = createDatasetEngine({ threads: 1, memoryMb: 16, tmpDir });
  afterAll(() => {
    engine.close();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it('answers within its memory cap', async () => {
    expect(await engine.query('SELECT count(*) AS n FROM range(1000)')).toEqual([{ n: 1000 }]);
  });

  it('turns running out of memory into a 503 naming the setting, not a 500', async () => {
    // list() of 10 million integers must be held whole: far past a 16 MB cap, with nothing to spill.
    const err = await engine.query('SELECT list(range) AS l FROM range(10000000)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503, details: expect.stringContaining('DATASET_ENGINE_MEMORY_MB') });
    // The engine is still usable afterwards.
    expect(await engine.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
