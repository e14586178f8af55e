import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestamp } from './columns.js';

// Stripe webhook events already handled, so a replayed or retried delivery changes nothing. The
// subscriptions table itself lives with the accounts (signup creates the Free row).
export const stripeEvents = sqliteTable('stripe_events', {
  /** Stripe's event id (`evt_…`). */
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  /** The Stripe object the event is about (subscription or checkout session id). */
  objectId: text('object_id'),
  /** Stripe's `created` (epoch seconds): an older event about the same object than one applied is stale. */
  created: integer('created').notNull(),
  outcome: text('outcome', { enum: ['applied', 'ignored', 'stale'] }).notNull(),
  receivedAt: timestamp('received_at').notNull(),
}, (t) => [index('stripe_events_object_idx').on(t.objectId, t.created)]);
