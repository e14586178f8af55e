import type { ModelMetadata } from '@prometheus/ml/core';
import type { ModelMetrics, ModelQuantization } from '@prometheus/protocol';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { timestamp } from './columns.js';

/** Bytes of each file under `<data dir>/models/<id>/`. */
export interface ModelFileSizes {
  axonml: number;
  axonml_int8: number;
  onnx: number;
  onnx_int8: number;
  metadata: number;
}

// A trained model; its files live under `<data dir>/models/<id>/` and are written before the row.
export const models = sqliteTable('models', {
  id: text('id').primaryKey(),
  // No cascade: on user deletion the models pass to the deleting admin (users.addCleanup).
  ownerId: text('owner_id').notNull().references(() => users.id),
  name: text('name').notNull(),
  architecture: text('architecture', { enum: ['lstm_autoencoder', 'gru_predictor', 'sentinel'] }).notNull(),
  equipmentType: text('equipment_type').notNull(),
  datasetId: text('dataset_id').notNull(),
  trainingRunId: text('training_run_id').notNull(),
  parameters: integer('parameters').notNull(),
  /** Validation-window metrics (val_loss, threshold, label-based figures or null). */
  metrics: text('metrics', { mode: 'json' }).$type<ModelMetrics>().notNull(),
  /** Features, normalization, threshold, sequence length, hyperparameters. */
  metadata: text('metadata', { mode: 'json' }).$type<ModelMetadata>().notNull(),
  /** The int8 cost measured on the validation windows. */
  quantization: text('quantization', { mode: 'json' }).$type<ModelQuantization>().notNull(),
  files: text('files', { mode: 'json' }).$type<ModelFileSizes>().notNull(),
  /** The evaluation made on the validation windows when training ended. */
  evaluationId: text('evaluation_id'),
  status: text('status', { enum: ['ready'] }).notNull(),
  createdAt: timestamp('created_at').notNull(),
}, (t) => [index('models_owner_idx').on(t.ownerId, t.createdAt)]);
