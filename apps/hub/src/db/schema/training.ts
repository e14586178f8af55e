import type { TrainingHyperparameters } from '@prometheus/protocol';
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { timestamp } from './columns.js';

// Training runs and their per-epoch curves, written as epochs arrive so a run's detail survives a restart.
export const trainingRuns = sqliteTable('training_runs', {
  id: text('id').primaryKey(),
  // No cascade: on user deletion the runs pass to the deleting admin (users.addCleanup).
  ownerId: text('owner_id').notNull().references(() => users.id),
  // No foreign key: a finished run keeps naming its dataset after the dataset is deleted.
  datasetId: text('dataset_id').notNull(),
  name: text('name').notNull(),
  architecture: text('architecture', { enum: ['lstm_autoencoder', 'gru_predictor', 'sentinel'] }).notNull(),
  /** The complete configuration (defaults filled in). */
  hyperparameters: text('hyperparameters', { mode: 'json' }).$type<TrainingHyperparameters>().notNull(),
  status: text('status', { enum: ['queued', 'running', 'completed', 'failed', 'stopped'] }).notNull(),
  stopReason: text('stop_reason', { enum: ['completed', 'early_stopped', 'stopped'] }),
  error: text('error'),
  currentEpoch: integer('current_epoch').notNull().default(0),
  totalEpochs: integer('total_epochs').notNull(),
  bestValLoss: real('best_val_loss'),
  currentTrainLoss: real('current_train_loss'),
  currentValLoss: real('current_val_loss'),
  learningRate: real('learning_rate').notNull(),
  trainingSeconds: real('training_seconds').notNull().default(0),
  estimatedRemainingSeconds: real('estimated_remaining_seconds'),
  modelId: text('model_id'),
  evaluationId: text('evaluation_id'),
  createdAt: timestamp('created_at').notNull(),
  startedAt: timestamp('started_at'),
  completedAt: timestamp('completed_at'),
  /** The replica training it; with the lease, set when a worker claims the run from the queue. */
  workerId: text('worker_id'),
  /** Renewed while it trains: a run whose lease lapsed lost its worker; the leader requeues it once, then fails it. */
  leaseExpiresAt: timestamp('lease_expires_at'),
  /** Times a worker's lease on this run lapsed: the first puts it back in the queue, the second fails it. */
  leaseLapses: integer('lease_lapses').notNull().default(0),
}, (t) => [
  index('training_runs_owner_idx').on(t.ownerId, t.createdAt),
  index('training_runs_status_idx').on(t.status, t.createdAt),
  index('training_runs_dataset_idx').on(t.datasetId),
]);

export const trainingEpochs = sqliteTable('training_epochs', {
  runId: text('run_id').notNull().references(() => trainingRuns.id, { onDelete: 'cascade' }),
  epoch: integer('epoch').notNull(),
  trainLoss: real('train_loss').notNull(),
  /** Null on epochs without validation (val_check_interval > 1). */
  valLoss: real('val_loss'),
  bestValLoss: real('best_val_loss'),
  elapsedSeconds: real('elapsed_seconds').notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.epoch] })]);
