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
  metrics: text('metrics', { mode: 'json' }).$type<Record<string, number | null>>().notNull(),
  /** ModelMetadata of @prometheus/ml: features, normalization, threshold, sequence length, hyperparameters. */
  metadata: text('metadata', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  /** QuantizationReport of @prometheus/ml (int8 cost measured on the validation windows). */
  quantization: text('quantization', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  files: text('files', { mode: 'json' }).$type<ModelFileSizes>().notNull(),
  /** The evaluation made on the validation windows when training ended. */
  evaluationId: text('evaluation_id'),
  status: text('status', { enum: ['ready'] }).notNull(),
  createdAt: timestamp('created_at').notNull(),
}, (t) => [index('models_owner_idx').on(t.ownerId, t.createdAt)]);
