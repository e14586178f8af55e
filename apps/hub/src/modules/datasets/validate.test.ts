import type { ValidationReport } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { uploadOk } from './test-helpers.js';

// Validation to the contract's letter (the datasets section's failed example): a column with 0.27% missing values
// is an issue and the dataset is not valid, unless the request (or the hub) sets a tolerance; findings under the
// tolerance are warnings.
let t: TestHub;
let token: string;

beforeAll(async () => {
  t = await createTestHub();
  token = (await t.userWithRole('operator')).token;
});
afterAll(() => t.close());

/** 1,100 rows: supply_temp has 100 text cells (9.09%), damper_pos 3 empty cells (0.27%, as in the contract). */
function contractCsv(): string {
  const lines = ['timestamp,supply_temp,return_temp,fan_speed,damper_pos'];
  for (let i = 0; i < 1100; i += 1) {
    const ts = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    lines.push([ts, i % 11 === 5 ? 'ERR' : 55 + (i % 7), 72 + (i % 3), 40 + (i % 5), i % 367 === 100 ? '' : 30 + (i % 9)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

async function validate(id: string, query = ''): Promise<{ status: number; body: ValidationReport & { code?: string; error?: string } }> {
  const res = await t.request('POST', `/api/v1/datasets/${id}/validate${query}`, { token });
  return { status: res.status, body: (await res.json()) as ValidationReport & { code?: string } };
}

describe('POST /datasets/:id/validate, the contract example', () => {
  it('by default 0.27% missing is an issue and the dataset is not valid (the contract shape)', async () => {
    const ds = await uploadOk(t, token, contractCsv(), { name: 'Contract example' });
    const { status, body } = await validate(ds.id);
    expect(status).toBe(200);
    expect(body).toEqual({
      valid: false,
      issues: [
        "Column 'supply_temp': mixed types detected (numeric: 1000, string: 100)",
        "Column 'damper_pos': 3 missing values (0.27%)",
      ],
      warnings: [],
      columns_checked: 5,
      rows_checked: 1100,
      is_validated: false,
      locked: false,
    });
  });

  it('?tolerance_percent= turns findings under it into warnings; above it they stay issues', async () => {
    const ds = await uploadOk(t, token, contractCsv(), { name: 'Tolerated' });
    const half = await validate(ds.id, '?tolerance_percent=0.5');
    expect(half.body).toMatchObject({ valid: false, locked: false });
    expect(half.body.issues).toEqual(["Column 'supply_temp': mixed types detected (numeric: 1000, string: 100)"]);
    expect(half.body.warnings).toEqual(["Column 'damper_pos': 3 missing values (0.27%)"]);
    const ten = await validate(ds.id, '?tolerance_percent=10');
    expect(ten.body).toMatchObject({ valid: true, issues: [], is_validated: true, locked: true });
    expect(ten.body.warnings).toEqual([
      "Column 'supply_temp': mixed types detected (numeric: 1000, string: 100)",
      "Column 'damper_pos': 3 missing values (0.27%)",
    ]);
  });

  it('tolerance_percent outside 0-100 or not a number is a 400 naming the field, and nothing is locked', async () => {
    const ds = await uploadOk(t, token, contractCsv().replace(/,ERR,/g, ',56,'), { name: 'Bad tolerance' });
    for (const value of ['101', '-1', 'abc', '']) {
      const { status, body } = await validate(ds.id, `?tolerance_percent=${value}`);
      expect({ value, status }).toEqual({ value, status: 400 });
      expect(`${body.error} ${(body as { details?: string }).details ?? ''}`).toMatch(/tolerance_percent/);
    }
    const detail = (await (await t.request('GET', `/api/v1/datasets/${ds.id}`, { token })).json()) as { locked: boolean };
    expect(detail.locked).toBe(false);
    // The same dataset at the edge of the range: 100 tolerates everything.
    expect((await validate(ds.id, '?tolerance_percent=100')).body).toMatchObject({ valid: true, locked: true });
  });

  it('DATASET_VALIDATION_TOLERANCE_PERCENT sets the hub default; the request still overrides it', async () => {
    const lenient = await createTestHub({ DATASET_VALIDATION_TOLERANCE_PERCENT: '1' });
    try {
      const own = (await lenient.userWithRole('operator')).token;
      const csv = contractCsv().replace(/,ERR,/g, ',56,');
      const a = await uploadOk(lenient, own, csv, { name: 'Env tolerance' });
      const report = (await (await lenient.request('POST', `/api/v1/datasets/${a.id}/validate`, { token: own })).json()) as ValidationReport;
      expect(report).toMatchObject({ valid: true, issues: [], warnings: ["Column 'damper_pos': 3 missing values (0.27%)"] });
      const b = await uploadOk(lenient, own, csv, { name: 'Strict request' });
      const strict = (await (await lenient.request('POST', `/api/v1/datasets/${b.id}/validate?tolerance_percent=0`, { token: own })).json()) as ValidationReport;
      expect(strict).toMatchObject({ valid: false, issues: ["Column 'damper_pos': 3 missing values (0.27%)"] });
    } finally {
      await lenient.close();
    }
  });
});
