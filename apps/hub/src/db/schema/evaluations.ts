import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { timestamp } from './columns.js';
import { models } from './models.js';

// An evaluation of a model: on its validation windows when training ends, or on a dataset on demand.
// It goes with its model (cascade); the Gradient review is filled in later.
export const evaluations = sqliteTable('evaluations', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id').notNull().references(() => users.id),
  modelId: text('model_id').notNull().references(() => models.id, { onDelete: 'cascade' }),
  datasetId: text('dataset_id').notNull(),
  kind: text('kind', { enum: ['training', 'dataset'] }).notNull(),
  metrics: text('metrics', { mode: 'json' }).$type<Record<string, number | null>>().notNull(),
  confusionMatrix: text('confusion_matrix', { mode: 'json' }).$type<Record<string, number>>(),
  /** Threshold, window counts, stride/smoothing, reviewer figures, quantization deltas. */
  figures: text('figures', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  windows: integer('windows').notNull(),
  /** The model's training curves (copied so the evaluation reads alone). */
  trainingCurves: text('training_curves', { mode: 'json' }).$type<{ epochs: number[]; train_loss: number[]; val_loss: (number | null)[] }>().notNull(),
  gradientStatus: text('gradient_status', { enum: ['none', 'running', 'completed', 'failed'] }).notNull().default('none'),
  gradientEvaluation: text('gradient_evaluation', { mode: 'json' }).$type<Record<string, unknown>>(),
  gradientError: text('gradient_error'),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
}, (t) => [
  index('evaluations_owner_idx').on(t.ownerId, t.createdAt),
  index('evaluations_model_idx').on(t.modelId),
]);
