import type { DatasetSummary } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { uploadOk } from './test-helpers.js';

// The list is kept between requests until the datasets table is written (datasets-service.ts): every change
// must show in the very next list, for admins (all) and owners (their own).
let t: TestHub;
let admin: string;

beforeAll(async () => {
  t = await createTestHub({ DEFAULT_TIER: 'enterprise' });
  admin = await t.adminToken();
});
afterAll(() => t.close());

const list = async (token: string) => {
  const res = await t.request('GET', '/api/v1/datasets', { token });
  expect(res.status).toBe(200);
  return (await res.json()) as DatasetSummary[];
};
const CSV = 'timestamp,x\n2026-01-01T00:00:00Z,1\n2026-01-01T00:01:00Z,2\n';

describe('GET /api/v1/datasets after changes', () => {
  it('shows uploads, validation, hand-overs and deletes at once', async () => {
    const op = await t.userWithRole('operator');
    expect(await list(op.token)).toEqual([]);
    const before = await list(admin);
    const ds = await uploadOk(t, op.token, CSV, { name: 'AHU-1' });
    expect((await list(op.token)).map((d) => d.id)).toEqual([ds.id]);
    expect((await list(admin)).length).toBe(before.length + 1);
    expect((await t.request('POST', `/api/v1/datasets/${ds.id}/validate`, { token: op.token })).status).toBe(200);
    expect((await list(op.token))[0]).toMatchObject({ is_validated: true, locked: true });
    expect((await t.request('POST', `/api/v1/datasets/${ds.id}/unlock`, { token: op.token })).status).toBe(200);
    expect((await list(admin)).find((d) => d.id === ds.id)).toMatchObject({ is_validated: false, locked: false });
    // A deleted user's datasets pass to the deleting admin: the list names the new owner.
    expect((await t.request('DELETE', `/api/v1/admin/users/${op.username}`, { token: admin })).status).toBe(204);
    expect((await list(admin)).find((d) => d.id === ds.id)?.created_by).toBe('admin');
    expect((await t.request('DELETE', `/api/v1/datasets/${ds.id}`, { token: admin })).status).toBe(204);
    expect((await list(admin)).find((d) => d.id === ds.id)).toBeUndefined();
  });

  it('shows edge readings as they are appended', async () => {
    const svc = t.hub.services.datasets;
    const adminId = (await t.hub.services.usersRepo.findByUsername('admin'))!.id;
    const id = await svc.ensureEdgeDataset({ targetId: 'tgt_list', targetName: 'AHU-2', ownerId: adminId, equipmentType: 'air_handler' });
    expect((await list(admin)).find((d) => d.id === id)?.row_count).toBe(0);
    await svc.appendReadings(id, [{ timestamp: Date.UTC(2026, 0, 1), values: { supply_temp: 55 } }]);
    expect((await list(admin)).find((d) => d.id === id)).toMatchObject({ row_count: 1, columns: ['timestamp', 'supply_temp'] });
  });
});
