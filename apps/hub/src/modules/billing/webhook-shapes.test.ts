import { Writable } from 'node:stream';
import { pino } from 'pino';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeFake, type StripeFake, type StripeObject } from '../../../../../test/fakes/stripe.js';
import { createTestHub, type TestHub } from '../../test/harness.js';

type Json = Record<string, unknown>;
type Mangle = (event: { data: { object: Json } } & Json) => void;
const WEBHOOK_SECRET = 'whsec_shapestestsecret';

// Correctly signed events that lack fields Stripe always sends: each is a 400 in the contract's error
// format naming the field, the user's subscription is untouched, and a whole event still applies after.
describe('Stripe webhook with malformed events', () => {
  let fake: StripeFake;
  let t: TestHub;

  beforeAll(async () => {
    fake = await startStripeFake({ prices: [{ id: 'price_pro_m', lookup_key: 'prometheus_pro', unit_amount: 4900, interval: 'month', nickname: 'Pro' }] });
    t = await createTestHub({ STRIPE_SECRET_KEY: fake.secretKey, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_URL: fake.url });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  let serial = 0;
  const send = (event: StripeObject, mangle?: Mangle) => {
    const copy = structuredClone(event) as unknown as Parameters<Mangle>[0];
    copy.id = `${String(copy.id)}_${++serial}`;
    mangle?.(copy);
    const { payload, header } = fake.signEvent(copy as unknown as StripeObject, WEBHOOK_SECRET);
    return t.request('POST', '/api/v1/billing/webhook', { body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': header } });
  };
  const tierOf = async (token: string) => ((await (await t.request('GET', '/api/v1/billing/subscription', { token })).json()) as Json).tier;

  async function checkout(token: string) {
    const res = await t.request('POST', '/api/v1/billing/checkout', { token, json: { tier: 'pro' } });
    const { checkout_url } = (await res.json()) as { checkout_url: string };
    return fake.completeCheckout(/\/pay\/(cs_test_[A-Za-z0-9]+)/.exec(checkout_url)![1]!);
  }

  async function expect400(res: Response, field: string) {
    expect(res.status).toBe(400);
    const body = (await res.json()) as Json;
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(`${String(body.error)} ${String(body.details)}`).toContain(`'${field}'`);
  }

  it('refuses a checkout.session.completed without customer or metadata, or an envelope without its fields', async () => {
    const { token } = await t.userWithRole('operator');
    const { event } = await checkout(token);
    const cases: [string, Mangle][] = [
      ['customer', (e) => void delete e.data.object.customer],
      ['metadata', (e) => void delete e.data.object.metadata],
      ['subscription', (e) => void (e.data.object.subscription = 12)],
      ['data.object', (e) => void delete (e.data as Json).object],
      ['data', (e) => void delete (e as Json).data],
      ['type', (e) => void delete e.type],
      ['created', (e) => void delete e.created],
    ];
    for (const [field, mangle] of cases) await expect400(await send(event, mangle), field);
    expect(await tierOf(token)).toBe('free');
    expect((await send(event)).status).toBe(200);
    expect(await tierOf(token)).toBe('pro');
  });

  it('refuses subscription events without items, status or id', async () => {
    const { token } = await t.userWithRole('operator');
    const { event, subscription } = await checkout(token);
    await send(event);
    fake.updateSubscription(subscription!.id as string, { status: 'past_due' });
    const updated = fake.events().at(-1)!;
    fake.cancelSubscription(subscription!.id as string);
    const deleted = fake.events().at(-1)!;
    const cases: [string, Mangle][] = [
      ['items', (e) => void delete e.data.object.items],
      ['items.data', (e) => void (e.data.object.items = {})],
      ['status', (e) => void delete e.data.object.status],
      ['id', (e) => void delete e.data.object.id],
    ];
    for (const [field, mangle] of cases) {
      await expect400(await send(updated, mangle), field);
      await expect400(await send(deleted, mangle), field);
    }
    expect(await tierOf(token)).toBe('pro');
    expect((await send(deleted)).status).toBe(200);
    expect(await tierOf(token)).toBe('free');
  });

  it('answers 502 when Stripe itself returns a subscription without items', async () => {
    const { token } = await t.userWithRole('operator');
    const { event, subscription } = await checkout(token);
    delete fake.subscription(subscription!.id as string)!.items;
    const res = await send(event);
    expect(res.status).toBe(502);
    expect(((await res.json()) as Json).code).toBe('UPSTREAM_FAILED');
    expect(await tierOf(token)).toBe('free');
  });
});

describe('billing not configured', () => {
  it('answers 503 in the contract format and logs it at info without a stack', async () => {
    const lines: Json[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Json);
      done();
    } });
    const t = await createTestHub({}, { logger: pino({ level: 'info' }, sink) });
    try {
      const payload = JSON.stringify({ id: 'evt_1', type: 'checkout.session.completed', created: 1, data: { object: {} } });
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
      const res = await t.request('POST', '/api/v1/billing/webhook', { body: payload, headers: { 'stripe-signature': header } });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', error: 'Billing is not configured on this hub' });
      const { token } = await t.userWithRole('viewer');
      expect((await t.request('POST', '/api/v1/billing/portal', { token })).status).toBe(503);
      const about = lines.filter((l) => l.msg === 'Billing is not configured on this hub');
      expect(about).toHaveLength(2);
      for (const line of about) {
        expect(line.level).toBe(30);
        expect(JSON.stringify(line)).not.toContain('stack');
      }
      expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
