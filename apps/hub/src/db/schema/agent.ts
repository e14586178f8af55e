import type { TrainingPlan } from '@prometheus/protocol';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { timestamp } from './columns.js';

/** A PrometheusForge conversation; personal, so it goes with its user. */
export const conversations = sqliteTable('conversations', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
}, (t) => [index('conversations_user_idx').on(t.userId, t.updatedAt)]);

export const conversationMessages = sqliteTable('conversation_messages', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  conversationId: text('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
  role: text('role', { enum: ['user', 'agent'] }).notNull(),
  content: text('content').notNull(),
  /** The dataset the message was about, so a follow-up question can leave it implicit. */
  datasetId: text('dataset_id'),
  /** A training plan the agent drafted in this answer. */
  trainingPlan: text('training_plan', { mode: 'json' }).$type<TrainingPlan>(),
  /** Language-model tokens this answer used (0 for the local analyst). */
  tokens: integer('tokens').notNull().default(0),
  createdAt: timestamp('created_at').notNull(),
}, (t) => [index('conversation_messages_conversation_idx').on(t.conversationId, t.id)]);
