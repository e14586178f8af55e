// The Expo push fake checked with the official expo-server-sdk (v7) against Expo's "Send
// notifications with the Expo Push Service" guide (quoted per assertion).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Expo } from 'expo-server-sdk';
import { expoDispatcher, startExpoPushFake } from './expo-push.js';
import type { ExpoPushFake } from './expo-push.js';

const token = (n: number): string => `ExponentPushToken[${String(n).padStart(22, 'x')}]`;

describe('expo-push fake with expo-server-sdk', () => {
  let fake: ExpoPushFake;
  let expo: Expo;
  beforeAll(async () => {
    fake = await startExpoPushFake();
    expo = new Expo({ httpAgent: expoDispatcher(fake.url), retryMinTimeout: 10 });
  });
  afterAll(() => fake.close());

  it('answers one ok ticket per message and records what was sent', async () => {
    // "`data` will contain an array of push tickets in the same order in which the messages were sent"
    const tickets = await expo.sendPushNotificationsAsync([
      { to: token(1), title: 'Training complete', body: 'Run tr_1 finished', data: { run_id: 'tr_1' } },
      { to: [token(2), token(3)], body: 'Deployment ready' },
    ]);
    expect(tickets).toHaveLength(3);
    for (const ticket of tickets) expect(ticket).toEqual({ status: 'ok', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(fake.received.map((r) => r.to)).toEqual([token(1), token(2), token(3)]);
    expect(fake.received[0]!.message).toMatchObject({ title: 'Training complete', data: { run_id: 'tr_1' } });
  });

  it('answers error tickets for dead tokens and receipts for the rest', async () => {
    fake.markTokenDead(token(4));
    fake.markTokenDead(token(5), 'receipt');
    const [dead, late, fine] = await expo.sendPushNotificationsAsync([{ to: token(4), body: 'a' }, { to: token(5), body: 'b' }, { to: token(6), body: 'c' }]);
    // "the bad messages' corresponding push tickets will have a status of `error` ... `details`: { `error`: `DeviceNotRegistered` }"
    expect(dead).toEqual({ status: 'error', message: `"${token(4)}" is not a registered push notification recipient`,
      details: { error: 'DeviceNotRegistered', expoPushToken: token(4) } });
    const ids = [late, fine].map((t) => (t as { id: string }).id);
    // "`data` contains a mapping of receipt IDs to receipts ... If there is no push receipt for a requested receipt ID, the mapping won't contain that ID."
    const receipts = await expo.getPushNotificationReceiptsAsync([...ids, 'missing-id']);
    expect(receipts).toEqual({
      [ids[0]!]: { status: 'error', message: `"${token(5)}" is not a registered push notification recipient`, details: { error: 'DeviceNotRegistered', expoPushToken: token(5) } },
      [ids[1]!]: { status: 'ok' },
    });
    fake.setReceipt(ids[1]!, { status: 'error', message: 'too fast', details: { error: 'MessageRateExceeded' } });
    expect((await expo.getPushNotificationReceiptsAsync([ids[1]!]))[ids[1]!]).toMatchObject({ details: { error: 'MessageRateExceeded' } });
    fake.withholdReceipts(true);
    expect(await expo.getPushNotificationReceiptsAsync(ids)).toEqual({});
    fake.withholdReceipts(false);
  });

  it('accepts the gzip bodies the SDK sends for large batches, up to 100 per request', async () => {
    const messages = Array.from({ length: 100 }, (_, i) => ({ to: token(1000 + i), body: `message ${i} `.repeat(5) }));
    fake.clearRequests();
    expect(await expo.sendPushNotificationsAsync(messages)).toHaveLength(100);
    expect(fake.requests[0]!.headers['content-encoding']).toBe('gzip');
    // "an array of up to 100 message objects" / "PUSH_TOO_MANY_NOTIFICATIONS"
    const res = await fetch(`${fake.url}/--/api/v2/push/send`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify([...messages, { to: token(1), body: 'one too many' }]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ code: 'PUSH_TOO_MANY_NOTIFICATIONS', message: expect.any(String) }] });
  });

  it('answers a single message with a single ticket object', async () => {
    // "(or one push ticket object, if you send a single message to a single recipient)"
    const res = await fetch(`${fake.url}/--/api/v2/push/send`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: token(7), title: 'hello', body: 'world' }),
    });
    expect(await res.json()).toEqual({ data: { status: 'ok', id: expect.any(String) } });
  });

  it('surfaces request errors to the SDK, retrying 429 with backoff', async () => {
    // "If the entire request failed, the HTTP status code will be 4xx or 5xx and the `errors` field will be an array of error objects"
    fake.failNext(1, 429);
    expect(await expo.sendPushNotificationsAsync([{ to: token(8), body: 'x' }])).toHaveLength(1);
    fake.failNext(3, 429);
    await expect(expo.sendPushNotificationsAsync([{ to: token(8), body: 'x' }])).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', statusCode: 429 });
  });
});

describe('expo-push fake with push security and EXPO_BASE_URL', () => {
  let fake: ExpoPushFake;
  beforeAll(async () => {
    fake = await startExpoPushFake({ accessToken: 'expo-access' });
  });
  afterAll(() => fake.close());

  it('requires the access token', async () => {
    const url = fake.url;
    // "Any requests sent _without_ a valid access token _after_ you enable push security will result in an error with code: `UNAUTHORIZED`."
    await expect(new Expo({ httpAgent: expoDispatcher(url) }).sendPushNotificationsAsync([{ to: token(9), body: 'x' }]))
      .rejects.toMatchObject({ code: 'UNAUTHORIZED', statusCode: 401 });
    const tickets = await new Expo({ httpAgent: expoDispatcher(url), accessToken: 'expo-access' }).sendPushNotificationsAsync([{ to: token(9), body: 'x' }]);
    expect(tickets[0]).toMatchObject({ status: 'ok' });
  });

  it('is reached by a child process whose EXPO_BASE_URL points at it', async () => {
    // The SDK reads EXPO_BASE_URL once, when its module loads: set it in the environment of the process.
    const script = `import { Expo } from 'expo-server-sdk';
      const tickets = await new Expo({ accessToken: 'expo-access' }).sendPushNotificationsAsync([{ to: '${token(10)}', body: 'x' }]);
      console.log(JSON.stringify(tickets));`;
    const { execFile } = await import('node:child_process');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, EXPO_BASE_URL: fake.url } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    expect(JSON.parse(out)).toEqual([{ status: 'ok', id: expect.any(String) }]);
    expect(fake.received.at(-1)!.to).toBe(token(10));
  });
});
