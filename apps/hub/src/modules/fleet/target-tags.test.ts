import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../../test/harness.js';

// Target groups: tags set at registration, replaced by PATCH, filtered with ?tag=key:value (all must match).
let t: TestHub;
let op: { token: string };
let other: { token: string };

beforeAll(async () => {
  t = await createTestHub();
  op = await t.userWithRole('operator');
  other = await t.userWithRole('operator');
});
afterAll(() => t.close());

const targets = '/api/v1/deployments/targets';

async function create(token: string, name: string, tags?: Record<string, string>): Promise<Target> {
  const res = await t.request('POST', targets, { token, json: { name, ...(tags ? { tags } : {}) } });
  expect(res.status).toBe(201);
  return (await res.json()) as Target;
}

async function listed(token: string, query: string): Promise<string[]> {
  const res = await t.request('GET', `${targets}${query}`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as Target[]).map((x) => x.name);
}

describe('target tags', () => {
  it('are set at registration, returned by every read, and default to none', async () => {
    const ahu = await create(op.token, 'Warren AHU-1', { site: 'warren', building: 'b1', equipment: 'ahu' });
    expect(ahu.tags).toEqual({ site: 'warren', building: 'b1', equipment: 'ahu' });
    const one = (await (await t.request('GET', `${targets}/${ahu.id}`, { token: op.token })).json()) as Target;
    expect(one.tags).toEqual(ahu.tags);
    const plain = await create(op.token, 'Untagged');
    expect(plain.tags).toEqual({});
    const revoked = (await (await t.request('POST', `${targets}/${ahu.id}/revoke`, { token: op.token })).json()) as Target;
    expect(revoked.tags).toEqual(ahu.tags);
  });

  it('filter lists: every tag given must match, only the user\'s own targets (admins see all)', async () => {
    await create(op.token, 'F1', { site: 'oak', building: 'b1' });
    await create(op.token, 'F2', { site: 'oak', building: 'b2' });
    await create(op.token, 'F3', { site: 'elm', building: 'b1' });
    await create(other.token, 'Other F4', { site: 'oak', building: 'b1' });
    expect(await listed(op.token, '?tag=site:oak')).toEqual(['F1', 'F2']);
    expect(await listed(op.token, '?tag=site:oak&tag=building:b1')).toEqual(['F1']);
    expect(await listed(op.token, '?tag=building:b1&tag=site:elm')).toEqual(['F3']);
    expect(await listed(op.token, '?tag=site:pine')).toEqual([]);
    expect(await listed(op.token, '?tag=site:oak&tag=site:elm')).toEqual([]);
    expect(await listed(op.token, `?tag=${encodeURIComponent('site:OAK')}`)).toEqual([]);
    expect(await listed(await t.adminToken(), '?tag=site:oak&tag=building:b1')).toEqual(['F1', 'Other F4']);
    expect(await listed(other.token, '?tag=site:oak')).toEqual(['Other F4']);
  });

  it('are replaced whole by PATCH, beside or without a rename; another user\'s target is 404', async () => {
    const tgt = await create(op.token, 'Edit me', { site: 'warren', floor: '2' });
    const patch = (token: string, json: unknown) => t.request('PATCH', `${targets}/${tgt.id}`, { token, json });
    const retagged = await patch(op.token, { tags: { site: 'warren', equipment: 'vav box' } });
    expect(retagged.status).toBe(200);
    expect(((await retagged.json()) as Target)).toMatchObject({ name: 'Edit me', tags: { site: 'warren', equipment: 'vav box' } });
    expect(await listed(op.token, '?tag=floor:2')).toEqual([]);
    expect(await listed(op.token, `?tag=${encodeURIComponent('equipment:vav box')}`)).toEqual(['Edit me']);
    const renamed = (await (await patch(op.token, { name: 'Edited' })).json()) as Target;
    expect(renamed).toMatchObject({ name: 'Edited', tags: { site: 'warren', equipment: 'vav box' } });
    const cleared = (await (await patch(op.token, { tags: {} })).json()) as Target;
    expect(cleared.tags).toEqual({});
    expect((await patch(other.token, { tags: { site: 'theirs' } })).status).toBe(404);
    expect((await t.request('GET', `${targets}/${tgt.id}`, { token: other.token })).status).toBe(404);
    const viewer = await t.userWithRole('viewer');
    expect((await patch(viewer.token, { tags: { a: 'b' } })).status).toBe(403);
  });

  it('refuses bad tags and filters with a 400 naming the field, storing nothing', async () => {
    const tgt = await create(op.token, 'Refusals', { site: 'keep' });
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    const bad: [unknown, string][] = [
      [many, 'tags'],
      [{ 'bad key': 'v' }, 'tags.bad key'],
      [{ ':colon': 'v' }, 'tags.:colon'],
      [{ ['k'.repeat(65)]: 'v' }, `tags.${'k'.repeat(65)}`],
      [{ site: '' }, 'tags.site'],
      [{ site: 'v'.repeat(129) }, 'tags.site'],
      [{ site: 'line\nbreak' }, 'tags.site'],
      [{ site: '<script>' }, 'tags.site'],
      [{ site: 7 }, 'tags.site'],
      [['site', 'warren'], 'tags'],
    ];
    for (const [tags, field] of bad) {
      const created = await t.request('POST', targets, { token: op.token, json: { name: 'Bad', tags } });
      expect(created.status, JSON.stringify(tags)).toBe(400);
      const body = (await created.json()) as { error: string; code: string };
      expect(body.code).toBe('VALIDATION_ERROR');
      expect(body.error).toContain(`'${field}'`);
      const patched = await t.request('PATCH', `${targets}/${tgt.id}`, { token: op.token, json: { tags } });
      expect(patched.status, JSON.stringify(tags)).toBe(400);
    }
    expect((await t.request('PATCH', `${targets}/${tgt.id}`, { token: op.token, json: {} })).status).toBe(400);
    expect((await t.request('PATCH', `${targets}/${tgt.id}`, { token: op.token, json: { tags: { a: 'b' }, arch: 'x64' } })).status).toBe(400);
    expect(await listed(op.token, '?tag=site:keep')).toEqual(['Refusals']);
    expect(await listed(op.token, '')).not.toContain('Bad');
    for (const q of ['?tag=site', '?tag=:warren', '?tag=site:', `?tag=${encodeURIComponent('a b:c')}`, '?tag=site:keep&tag=nocolon']) {
      const res = await t.request('GET', `${targets}${q}`, { token: op.token });
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain('\'tag');
    }
    // A repeated parameter where one value is expected is refused, not silently cut to its first value.
    const twice = await t.request('GET', `${targets}/${tgt.id}/alerts?limit=1&limit=2`, { token: op.token });
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { error: string }).error).toContain('\'limit\'');
  });
});
