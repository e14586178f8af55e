// The EMQX management API fake against docs/upstreams/sources.md ("EMQX management API"), quoted per assertion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmqxApiFake, type EmqxApiFake } from './emqx-api.js';

let fake: EmqxApiFake;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

beforeAll(async () => {
  fake = await startEmqxApiFake({ apiKey: 'key-1', secretKey: 'secret-1', clients: ['tgt_abc/1', 'tgt_def'] });
});
afterAll(() => fake.close());

describe('EMQX management API fake', () => {
  it('kicks a client out: 204 with an empty body, then 404 CLIENTID_NOT_FOUND', async () => {
    // "`DELETE /api/v5/clients/{clientid}` kicks the client out ... the answer is 204 with an empty body"
    // "The client id is a path segment: URL-encoded."
    const url = `${fake.url}/api/v5/clients/${encodeURIComponent('tgt_abc/1')}`;
    const res = await fetch(url, { method: 'DELETE', headers: { authorization: basic('key-1', 'secret-1') } });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(fake.connected.has('tgt_abc/1')).toBe(false);
    // "A client id no node knows is 404 with a JSON body `{code, message}` (code `CLIENTID_NOT_FOUND`)."
    const again = await fetch(url, { method: 'DELETE', headers: { authorization: basic('key-1', 'secret-1') } });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ code: 'CLIENTID_NOT_FOUND', message: expect.any(String) });
  });

  it('refuses a missing or wrong API key with 401 and keeps the client', async () => {
    // "Authentication is HTTP Basic with an API key as the user name and its secret key as the password"
    // "A missing or wrong key is 401 with a JSON `{code, message}` body."
    for (const headers of [{}, { authorization: basic('key-1', 'wrong') }] as Record<string, string>[]) {
      const res = await fetch(`${fake.url}/api/v5/clients/tgt_def`, { method: 'DELETE', headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    expect(fake.connected.has('tgt_def')).toBe(true);
  });
});
