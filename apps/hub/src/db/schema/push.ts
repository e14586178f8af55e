import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { timestamp } from './columns.js';

/** Expo push tokens of a user's devices; a token registered again by another user moves to that user. */
export const pushTokens = sqliteTable('push_tokens', {
  token: text('token').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  platform: text('platform', { enum: ['ios', 'android', 'web'] }).notNull(),
  deviceName: text('device_name'),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
}, (t) => [index('push_tokens_user_idx').on(t.userId)]);

/** Expo push tickets whose receipts are still to be checked (a dead device shows up there). */
export const pushTickets = sqliteTable('push_tickets', {
  /** Expo's ticket (receipt) id. */
  id: text('id').primaryKey(),
  token: text('token').notNull().references(() => pushTokens.token, { onDelete: 'cascade' }),
  sentAt: timestamp('sent_at').notNull(),
}, (t) => [index('push_tickets_sent_idx').on(t.sentAt)]);
