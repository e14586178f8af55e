import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';

describe('profile and preferences', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await createTestHub();
  });
  afterAll(() => t.close());

  it('shows the own profile', async () => {
    const { token, username } = await t.userWithRole('viewer');
    const res = await t.request('GET', '/api/v1/profile', { token });
    expect(await res.json()).toMatchObject({ username, role: 'viewer', email_verified: true, mfa_enabled: false, tier: 'free' });
    expect((await t.request('GET', '/api/v1/profile')).status).toBe(401);
  });

  it('returns defaults, merges partial updates, and keeps users apart', async () => {
    const a = await t.userWithRole('operator');
    const b = await t.userWithRole('operator');
    expect(await (await t.request('GET', '/api/v1/profile/preferences', { token: a.token })).json()).toEqual({
      theme: 'nexusedge-dark', notifications_enabled: true, email_notifications: true, training_auto_stop: false,
      default_architecture: 'lstm_autoencoder', timezone: 'UTC',
    });
    const put = await t.request('PUT', '/api/v1/profile/preferences', { token: a.token, json: { theme: 'nexusedge-light', timezone: 'America/New_York' } });
    expect(await put.json()).toMatchObject({ theme: 'nexusedge-light', timezone: 'America/New_York', notifications_enabled: true });
    await t.request('PUT', '/api/v1/profile/preferences', { token: a.token, json: { training_auto_stop: true } });
    expect(await (await t.request('GET', '/api/v1/profile/preferences', { token: a.token })).json()).toMatchObject({ theme: 'nexusedge-light', training_auto_stop: true });
    expect(await (await t.request('GET', '/api/v1/profile/preferences', { token: b.token })).json()).toMatchObject({ theme: 'nexusedge-dark' });
  });

  it('refuses bad values and unknown fields naming them', async () => {
    const { token } = await t.userWithRole('viewer');
    for (const [json, field] of [[{ theme: 'pink' }, 'theme'], [{ timezone: 'Mars/Olympus' }, 'timezone'], [{ themes: 'x' }, 'themes'], [{ notifications_enabled: 'yes' }, 'notifications_enabled']] as const) {
      const res = await t.request('PUT', '/api/v1/profile/preferences', { token, json });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(field);
    }
  });
});
