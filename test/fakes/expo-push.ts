// Fake Expo push service (docs/api.md "Push Notifications"), written from Expo's "Send
// notifications with the Expo Push Service" guide (HTTP/2 API, push tickets, push receipts, errors)
// and checked with the official `expo-server-sdk`, whose requests it accepts (gzip bodies included).
import { randomUUID } from 'node:crypto';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { createFakeApp, isRecord, jsonBody, listen } from './shared/http-fake.js';
import type { FakeContext, FakeHandle } from './shared/http-fake.js';

export interface ExpoPushFakeOptions {
  /** When set, requests need `Authorization: Bearer <accessToken>` ("enhanced push security"). */
  accessToken?: string;
  latencyMs?: number;
}

/** One notification as delivered to one recipient token. */
export interface ReceivedPush {
  ticketId: string | null;
  to: string;
  message: Record<string, unknown>;
}

export type PushReceipt = { status: 'ok' } | { status: 'error'; message: string; details?: { error: string; [key: string]: unknown } };

export interface ExpoPushFake extends FakeHandle {
  /** Every notification received, one entry per recipient, oldest first. */
  received: ReceivedPush[];
  /**
   * Marks a token dead. 'ticket': sends to it answer an error ticket at once; 'receipt': sends
   * succeed but the receipt says DeviceNotRegistered (how Apple/Google usually report it).
   */
  markTokenDead(token: string, when?: 'ticket' | 'receipt'): void;
  /** Overrides the receipt of a ticket (e.g. MessageRateExceeded, InvalidCredentials). */
  setReceipt(ticketId: string, receipt: PushReceipt): void;
  /** While true, getReceipts omits every id, as before Expo has delivered the notifications. */
  withholdReceipts(withhold: boolean): void;
}

const TOKEN = /^Expo(nent)?PushToken\[.+\]$/;
const MAX_NOTIFICATIONS = 100;
const MAX_RECEIPTS = 1000;

/** An undici dispatcher that sends the SDK's requests for exp.host to this fake instead. */
export function expoDispatcher(fakeUrl: string): Dispatcher {
  return new Agent().compose((dispatch) => (opts, handler) => dispatch({ ...opts, origin: fakeUrl }, handler));
}

export async function startExpoPushFake(options: ExpoPushFakeOptions = {}): Promise<ExpoPushFake> {
  const received: ReceivedPush[] = [];
  const dead = new Map<string, 'ticket' | 'receipt'>();
  const receipts = new Map<string, PushReceipt>();
  let withheld = false;
  const { app, faults } = createFakeApp({
    latencyMs: options.latencyMs,
    failureResponse: (c, status) => requestError(c, status,
      status === 429 ? 'TOO_MANY_REQUESTS' : 'INTERNAL_SERVER_ERROR',
      status === 429 ? 'You are exceeding the request limit of 600 notifications per second per project.' : 'An unknown error occurred.'),
  });
  app.use('/--/api/v2/push/*', async (c, next) => {
    if (options.accessToken && c.req.header('authorization') !== `Bearer ${options.accessToken}`) {
      return requestError(c, 401, 'UNAUTHORIZED', 'The bearer token is invalid or missing; push security is enabled for this project.');
    }
    return next();
  });
  app.post('/--/api/v2/push/send', (c) => {
    const body = jsonBody(c);
    const messages = Array.isArray(body) ? body : [body];
    if (!messages.every(isRecord)) return requestError(c, 400, 'VALIDATION_ERROR', 'The request body must be a message object or an array of them.');
    const recipients = messages.flatMap((m) => (Array.isArray(m.to) ? m.to : [m.to]).map((to) => ({ to, message: m })));
    if (recipients.length > MAX_NOTIFICATIONS) {
      return requestError(c, 400, 'PUSH_TOO_MANY_NOTIFICATIONS', `You are trying to send more than ${MAX_NOTIFICATIONS} push notifications in one request.`);
    }
    const invalid = recipients.find((r) => typeof r.to !== 'string' || !TOKEN.test(r.to));
    if (invalid) return requestError(c, 400, 'VALIDATION_ERROR', `"to" must be a valid Expo push token, got ${JSON.stringify(invalid.to)}.`);
    const tickets = recipients.map(({ to, message }) => ticketFor(to as string, message));
    // A single message to a single recipient is answered with one ticket object, not an array.
    return c.json({ data: !Array.isArray(body) && tickets.length === 1 ? tickets[0] : tickets });
  });
  app.post('/--/api/v2/push/getReceipts', (c) => {
    const body = jsonBody(c);
    if (!isRecord(body) || !Array.isArray(body.ids)) return requestError(c, 400, 'VALIDATION_ERROR', '"ids" must be an array of receipt ids.');
    if (body.ids.length > MAX_RECEIPTS) {
      return requestError(c, 400, 'PUSH_TOO_MANY_RECEIPTS', `You are trying to get more than ${MAX_RECEIPTS} push receipts in one request.`);
    }
    const data: Record<string, PushReceipt> = {};
    for (const id of body.ids.map(String)) {
      const receipt = receipts.get(id);
      if (receipt && !withheld) data[id] = receipt;
    }
    return c.json({ data });
  });
  app.notFound((c) => c.json({ errors: [{ code: 'NOT_FOUND', message: 'Not found' }] }, 404));

  function ticketFor(to: string, message: Record<string, unknown>): Record<string, unknown> {
    const notRegistered = `"${to}" is not a registered push notification recipient`;
    if (dead.get(to) === 'ticket') {
      received.push({ ticketId: null, to, message });
      return { status: 'error', message: notRegistered, details: { error: 'DeviceNotRegistered', expoPushToken: to } };
    }
    const id = randomUUID();
    received.push({ ticketId: id, to, message });
    receipts.set(id, dead.get(to) === 'receipt'
      ? { status: 'error', message: notRegistered, details: { error: 'DeviceNotRegistered', expoPushToken: to } }
      : { status: 'ok' });
    return { status: 'ok', id };
  }

  const handle = await listen(app, faults);
  return {
    ...handle,
    received,
    markTokenDead: (token, when = 'ticket') => void dead.set(token, when),
    setReceipt: (id, receipt) => void receipts.set(id, receipt),
    withholdReceipts: (withhold) => {
      withheld = withhold;
    },
  };
}

function requestError(c: FakeContext, status: number, code: string, message: string): Response {
  return c.json({ errors: [{ code, message }] }, status as 400);
}
