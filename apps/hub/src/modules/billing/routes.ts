import {
  CheckoutRequest, CheckoutResponse, PortalRequest, PortalResponse, SetTierRequest, SubscriptionResponse, UsageResponse, UsernameParam,
  WebhookResponse,
} from '@prometheus/protocol';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { BillingService } from './billing-service.js';

const tag = 'Billing & Subscriptions';
const auth = { 401: err('Not logged in') };
const off = err('Billing is not configured (no STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET)');
const stripeDown = err('Stripe refused the request or could not be reached');

export function billingRoutes(billing: BillingService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/billing/subscription', tag, summary: "The current user's subscription, tokens of the current period",
      permission: 'billing:self',
      responses: { 200: { description: 'Subscription', schema: SubscriptionResponse }, ...auth },
      handler: async (c) => c.json(await billing.subscription(currentUser(c).id), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/billing/checkout', tag, summary: 'A Stripe Checkout session to subscribe to a paid tier',
      permission: 'billing:self', body: CheckoutRequest,
      responses: {
        200: { description: 'Checkout URL', schema: CheckoutResponse }, 400: err('Bad tier or URL'), ...auth,
        409: err('Already subscribed: use the portal'), 502: stripeDown, 503: off,
      },
      handler: async (c, { body }) => c.json({ checkout_url: await billing.checkout(currentUser(c).id, body) }, 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/billing/portal', tag, summary: 'A Stripe Customer Portal session to manage the subscription',
      description: 'No body is needed; `return_url` may be sent (defaults to <PUBLIC_URL>/billing).',
      permission: 'billing:self', body: PortalRequest,
      responses: { 200: { description: 'Portal URL', schema: PortalResponse }, 400: err('Bad return_url'), ...auth, 502: stripeDown, 503: off },
      handler: async (c, { body }) => c.json({ portal_url: await billing.portal(currentUser(c).id, body) }, 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/billing/usage', tag, summary: 'Usage this period and the limits of the tier, with current counts',
      permission: 'billing:self',
      responses: { 200: { description: 'Usage', schema: UsageResponse }, ...auth },
      handler: async (c) => c.json(await billing.usage(currentUser(c).id), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/billing/webhook', tag,
      summary: 'Stripe webhook: HMAC-SHA256 Stripe-Signature over the raw body (5-minute tolerance); each event applied once',
      description: 'Handled: checkout.session.completed, customer.subscription.updated, customer.subscription.deleted; other events are acknowledged and ignored.',
      permission: 'public', bodyKind: 'raw', bodyLimit: 512 * 1024,
      responses: {
        200: { description: 'Received (duplicate: already handled, nothing changed)', schema: WebhookResponse },
        400: err('Missing, forged or stale signature, or an event missing a field Stripe always sends'), 502: stripeDown, 503: off,
      },
      handler: async (c) => {
        const raw = Buffer.from(await c.req.arrayBuffer());
        const { duplicate } = await billing.webhook(raw, c.req.header('stripe-signature'));
        return c.json({ received: true as const, duplicate }, 200);
      },
    }),
    defineRoute({
      method: 'put', path: '/api/v1/admin/users/:username/subscription', tag,
      summary: "Set a user's tier by hand (addition to the contract: installs without Stripe, comped accounts)",
      permission: 'users:manage', params: UsernameParam, body: SetTierRequest,
      responses: { 200: { description: 'Subscription', schema: SubscriptionResponse }, 400: err('Bad tier'), ...auth, 403: err('Not an admin'), 404: err('No such user') },
      handler: async (c, { params, body }) => c.json(await billing.setTier(params.username, body.tier), 200),
    }),
  ];
}
