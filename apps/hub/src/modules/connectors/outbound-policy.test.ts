import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { checkAddress, resolveChecked, unmapIpv4, type Resolver } from './outbound-policy.js';
import { connect, expectError } from './test-helpers.js';

const open = { allow: [], deny: [] };
const refusedBy = (lists: { allow: string[]; deny: string[] }, host: string, address: string) => {
  try {
    checkAddress(lists, host, address);
    return false;
  } catch {
    return true;
  }
};

describe('outbound policy rules', () => {
  it.each([
    '169.254.169.254', '169.254.0.1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '0:0:0:0:0:ffff:a9fe:a9fe', 'fd00:ec2::254', 'fe80::1',
  ])('refuses the link-local / metadata address %s by default', (address) => {
    expect(refusedBy(open, 'x', address)).toBe(true);
  });

  it.each(['127.0.0.1', '10.1.2.3', '100.124.76.93', '192.168.1.20', '::1', '8.8.8.8'])('allows %s by default', (address) => {
    expect(refusedBy(open, 'x', address)).toBe(false);
  });

  it('unmaps IPv4-mapped IPv6 in both notations', () => {
    expect(unmapIpv4('::ffff:169.254.1.2')).toBe('169.254.1.2');
    expect(unmapIpv4('[::ffff:a9fe:102]')).toBe('169.254.1.2');
  });

  it('deny list refuses, a non-empty allow list admits only what it names, allow overrides the default refusal', () => {
    expect(refusedBy({ allow: [], deny: ['10.0.0.0/8'] }, 'x', '10.9.9.9')).toBe(true);
    expect(refusedBy({ allow: [], deny: ['*.corp.example'] }, 'db.corp.example', '1.2.3.4')).toBe(true);
    expect(refusedBy({ allow: ['192.168.0.0/16'], deny: [] }, 'x', '10.0.0.1')).toBe(true);
    expect(refusedBy({ allow: ['192.168.0.0/16'], deny: [] }, 'x', '192.168.4.4')).toBe(false);
    expect(refusedBy({ allow: ['169.254.10.0/24'], deny: [] }, 'x', '169.254.10.5')).toBe(false);
  });

  it('names resolving to metadata addresses are refused (every address is checked), metadata host names without DNS', async () => {
    const rebinding: Resolver = async () => [{ address: '93.184.216.34', family: 4 }, { address: '169.254.169.254', family: 4 }];
    await expect(resolveChecked(open, 'innocent.example', rebinding)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    let asked = false;
    const spy: Resolver = async () => ((asked = true), [{ address: '1.2.3.4', family: 4 }]);
    await expect(resolveChecked(open, 'metadata.google.internal', spy)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(asked).toBe(false);
    await expect(resolveChecked(open, 'ok.example', async () => [{ address: '::ffff:10.0.0.7', family: 6 }])).resolves.toEqual({ host: 'ok.example', address: '10.0.0.7', family: 4 });
  });
});

describe('GET/PUT /api/v1/admin/outbound-policy and enforcement', () => {
  let t: TestHub;
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    t = await createTestHub({ OUTBOUND_DENY: '203.0.113.0/24' });
    server = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[{"t":"2026-01-01T00:00:00Z","v":1}]'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.close();
    await t.close();
  });

  it('admins read and replace the lists; operators get 403; bad rules 400', async () => {
    const admin = await t.adminToken();
    const operator = await t.userWithRole('operator');
    const get = await t.request('GET', '/api/v1/admin/outbound-policy', { token: admin });
    expect(await get.json()).toMatchObject({ allow: [], deny: ['203.0.113.0/24'], updated_at: null, default_deny: expect.arrayContaining(['169.254.0.0/16']) });
    expect((await t.request('GET', '/api/v1/admin/outbound-policy', { token: operator.token })).status).toBe(403);
    expect((await t.request('PUT', '/api/v1/admin/outbound-policy', { token: operator.token, json: { allow: [], deny: [] } })).status).toBe(403);
    const bad = await t.request('PUT', '/api/v1/admin/outbound-policy', { token: admin, json: { allow: ['not a host!'], deny: [] } });
    expect(bad.status).toBe(400);
    const put = await t.request('PUT', '/api/v1/admin/outbound-policy', { token: admin, json: { allow: [], deny: ['127.0.0.0/8'] } });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ deny: ['127.0.0.0/8'], updated_at: expect.any(String) });
  });

  it('connectors obey: metadata refused by default, loopback refused once denied, allowed again after', async () => {
    const admin = await t.adminToken();
    const op = (await t.userWithRole('operator')).token;
    const rest = (host: string) => ({ source_type: 'postgresql', api_url: `http://${host}/rows`, query: 'x' });
    await expectError(await connect(t, op, rest('169.254.169.254')), 400, 'BAD_REQUEST', /refused by policy/);
    await expectError(await connect(t, op, rest('[::ffff:169.254.169.254]')), 400, 'BAD_REQUEST', /refused by policy/);
    await expectError(await connect(t, op, { controller_ip: '169.254.169.254' }), 400, 'BAD_REQUEST', /refused by policy/);
    await t.request('PUT', '/api/v1/admin/outbound-policy', { token: admin, json: { allow: [], deny: ['127.0.0.0/8'] } });
    await expectError(await connect(t, op, rest(`127.0.0.1:${port}`)), 400, 'BAD_REQUEST', /deny list/);
    await t.request('PUT', '/api/v1/admin/outbound-policy', { token: admin, json: { allow: ['127.0.0.1'], deny: [] } });
    expect((await connect(t, op, rest(`127.0.0.1:${port}`))).status).toBe(201);
    await t.request('PUT', '/api/v1/admin/outbound-policy', { token: admin, json: { allow: ['10.0.0.0/8'], deny: [] } });
    await expectError(await connect(t, op, rest(`localhost:${port}`)), 400, 'BAD_REQUEST', /allow list/);
  });
});
