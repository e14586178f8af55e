import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import { startExpoPushFake, type ExpoPushFake } from '../../../../../test/fakes/expo-push.js';
import type { HubEventBus } from '../../events.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { epochMilestone } from './messages.js';

type Json = Record<string, unknown>;
const token = (name: string) => `ExponentPushToken[${name.padEnd(22, 'x')}]`;

// Push with the real expo-server-sdk against the Expo push fake: registration, events to messages,
// batching (<= 100 per request), tickets and receipts, dead tokens removed, the user's preference.
describe('push notifications', () => {
  let fake: ExpoPushFake;
  let t: TestHub;
  let events: HubEventBus;

  beforeAll(async () => {
    fake = await startExpoPushFake();
    t = await createTestHub({ EXPO_PUSH_URL: fake.url, PUSH_BATCH_MS: '30', PUSH_RECEIPT_DELAY_MS: '0' });
    events = t.hub.services.events;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.received.length = 0;
    fake.clearRequests();
  });

  const register = (auth: string, pushToken: string, extra: Json = {}) =>
    t.request('POST', '/api/v1/push/register', { token: auth, json: { token: pushToken, platform: 'ios', device_name: 'iPhone 15', ...extra } });
  const tickets = async (where: SQL) => (await t.hub.store.rows<{ n: number }>(sql`select count(*) n from push_tickets where ${where}`))[0]!.n;
  const tokensOf = async (userId: string) =>
    (await t.hub.store.rows<{ token: string }>(sql`select token from push_tokens where user_id = ${userId} order by token`)).map((r) => r.token);

  it('registers Expo tokens and refuses anything else', async () => {
    const { token: auth, id } = await t.userWithRole('viewer');
    const res = await register(auth, token('reg1'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Push token registered' });
    expect((await register(auth, token('reg1'), { platform: 'android' })).status).toBe(200);
    expect(await tokensOf(id)).toEqual([token('reg1')]);
    for (const bad of [{ token: 'not-a-token' }, { token: 'ExponentPushToken[]' }, { platform: 'symbian' }]) {
      const refused = await register(auth, token('reg2'), bad);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as Json).code).toBe('VALIDATION_ERROR');
    }
    expect((await t.request('POST', '/api/v1/push/register', { json: { token: token('reg3'), platform: 'ios' } })).status).toBe(401);
    // the same device registered by another user now belongs to that user
    const other = await t.userWithRole('operator');
    expect((await register(other.token, token('reg1'))).status).toBe(200);
    expect(await tokensOf(id)).toEqual([]);
    expect(await tokensOf(other.id)).toEqual([token('reg1')]);
  });

  it('sends the contract events to every device of the user, batched into one request', async () => {
    const { token: auth, id } = await t.userWithRole('operator');
    await register(auth, token('a1'));
    await register(auth, token('a2'), { platform: 'android' });
    events.emit('training.finished', { userId: id, runId: 'tr_1', status: 'completed', modelId: 'mdl_1' });
    events.emit('subscription.changed', { userId: id, tier: 'pro' });
    events.emit('training.started', { userId: id, runId: 'tr_2', fromQueue: false });
    await vi.waitFor(() => expect(fake.received).toHaveLength(4));
    expect(fake.requests.filter((r) => r.path.endsWith('/push/send'))).toHaveLength(1);
    expect(fake.received.map((r) => r.to).sort()).toEqual([token('a1'), token('a1'), token('a2'), token('a2')]);
    expect(fake.received.map((r) => r.message.title)).toEqual(expect.arrayContaining(['Training complete', 'Subscription changed']));
    expect(fake.received.find((r) => r.message.title === 'Training complete')!.message).toMatchObject({
      body: 'Run tr_1 finished; model mdl_1 is ready.', data: { type: 'training.finished', run_id: 'tr_1', model_id: 'mdl_1' },
    });
    // tickets are kept for the receipt check (flush waits for the send in flight)
    await t.hub.services.push.flush();
    expect(await tickets(sql`token in (${token('a1')}, ${token('a2')})`)).toBe(4);
  });

  it('splits more than 100 notifications into requests of at most 100', async () => {
    const { token: auth, id } = await t.userWithRole('operator');
    for (let i = 0; i < 120; i += 1) await register(auth, token(`many${i}`));
    events.emit('edge.alert', { userId: id, targetId: 'tgt_1', targetName: 'Warren AHU-1', message: 'Supply temperature anomaly' });
    await vi.waitFor(() => expect(fake.received).toHaveLength(120));
    const sends = fake.requests.filter((r) => r.path.endsWith('/push/send'));
    expect(sends.map((r) => (JSON.parse(r.body) as unknown[]).length).sort((a, b) => a - b)).toEqual([20, 100]);
    expect(fake.received[0]!.message).toMatchObject({ title: 'Alert from Warren AHU-1', priority: 'high' });
  });

  it('removes a token whose ticket or receipt says DeviceNotRegistered', async () => {
    const { token: auth, id } = await t.userWithRole('operator');
    await register(auth, token('alive'));
    await register(auth, token('goneticket'));
    await register(auth, token('gonereceipt'));
    fake.markTokenDead(token('goneticket'), 'ticket');
    fake.markTokenDead(token('gonereceipt'), 'receipt');
    events.emit('security.alert', { userId: id, what: 'Password changed' });
    await vi.waitFor(() => expect(fake.received).toHaveLength(3));
    await t.hub.services.push.flush();
    expect(await tokensOf(id)).toEqual([token('alive'), token('gonereceipt')]);
    const result = await t.hub.services.push.checkReceipts();
    expect(result.removed).toBe(1);
    expect(await tokensOf(id)).toEqual([token('alive')]);
    expect(fake.requests.some((r) => r.path.endsWith('/push/getReceipts'))).toBe(true);
    expect(await tickets(sql`token = ${token('alive')}`)).toBe(0);
  });

  it('keeps tickets whose receipts are not ready yet', async () => {
    const { token: auth, id } = await t.userWithRole('operator');
    await register(auth, token('later'));
    events.emit('account.changed', { userId: id, what: 'Account updated by an administrator' });
    await vi.waitFor(() => expect(fake.received).toHaveLength(1));
    await t.hub.services.push.flush();
    fake.withholdReceipts(true);
    await t.hub.services.push.checkReceipts();
    const pending = () => tickets(sql`token = ${token('later')}`);
    expect(await pending()).toBe(1);
    fake.withholdReceipts(false);
    await t.hub.services.push.checkReceipts();
    expect(await pending()).toBe(0);
  });

  it('sends nothing to a user who turned notifications off', async () => {
    const quiet = await t.userWithRole('operator');
    const loud = await t.userWithRole('operator');
    await register(quiet.token, token('quiet'));
    await register(loud.token, token('loud'));
    expect((await t.request('PUT', '/api/v1/profile/preferences', { token: quiet.token, json: { notifications_enabled: false } })).status).toBe(200);
    events.emit('deployment.ready', { userId: quiet.id, deploymentId: 'dep_1', targetName: 'Warren AHU-1' });
    events.emit('deployment.ready', { userId: loud.id, deploymentId: 'dep_2', targetName: 'Warren AHU-2' });
    await vi.waitFor(() => expect(fake.received).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 100));
    await t.hub.services.push.flush();
    expect(fake.received.map((r) => r.to)).toEqual([token('loud')]);
  });

  it('deletes a user’s push tokens with the user', async () => {
    const { token: auth, id, username } = await t.userWithRole('operator');
    await register(auth, token('bye'));
    expect((await t.request('DELETE', `/api/v1/admin/users/${username}`, { token: await t.adminToken() })).status).toBe(204);
    expect(await tokensOf(id)).toEqual([]);
  });

  it('announces epoch milestones at quarters only', () => {
    const marks = Array.from({ length: 100 }, (_, i) => epochMilestone(i + 1, 100)).filter((m) => m !== undefined);
    expect(marks).toEqual([25, 50, 75]);
    expect(epochMilestone(3, 10)).toBe(25);
    expect(epochMilestone(10, 10)).toBeUndefined();
    expect(epochMilestone(1, 3)).toBeUndefined();
  });
});
