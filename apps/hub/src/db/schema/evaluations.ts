import type {
  AlarmEpisode, AlarmRulesStatus, ConfusionMatrix, EvaluationBaseline, EvaluationFigures, EvaluationMetrics, GradientEvaluation, SkippedRuleView, TrainingCurves,
} from '@prometheus/protocol';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { timestamp } from './columns.js';
import { models } from './models.js';

/**
 * The `figures` column: the reviewer figures plus the evaluation's settings (threshold, stride, smoothing,
 * positives), the model's measured int8 cost, the PCA baseline and the alarms (the last two absent from
 * evaluations stored before them: read as null, no migration).
 */
export interface StoredFigures extends EvaluationFigures {
  threshold: number;
  positives: number | null;
  stride: number;
  smoothing_windows: number;
  /** The model's persistence window the scores went through (absent in evaluations stored before it: 0). */
  persistence_minutes?: number;
  /** Windows outside the model's operating envelope, left out of the metrics (absent before it existed: 0). */
  out_of_range_windows?: number;
  quantization: { f1_delta: number | null; auc_roc_delta: number | null; max_abs_score_delta: number };
  baseline?: EvaluationBaseline | null;
  alarms?: AlarmEpisode[] | null;
  alarm_episodes?: number | null;
  /** Why the alarms name rules or not, and what could not run (absent from evaluations stored before them). */
  rules_status?: AlarmRulesStatus | null;
  skipped_rules?: SkippedRuleView[] | null;
}

// An evaluation of a model: on its validation windows when training ends, or on a dataset on demand.
// It goes with its model (cascade); the Gradient review is filled in later.
export const evaluations = sqliteTable('evaluations', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id').notNull().references(() => users.id),
  modelId: text('model_id').notNull().references(() => models.id, { onDelete: 'cascade' }),
  datasetId: text('dataset_id').notNull(),
  kind: text('kind', { enum: ['training', 'dataset'] }).notNull(),
  metrics: text('metrics', { mode: 'json' }).$type<EvaluationMetrics>().notNull(),
  confusionMatrix: text('confusion_matrix', { mode: 'json' }).$type<ConfusionMatrix>(),
  figures: text('figures', { mode: 'json' }).$type<StoredFigures>().notNull(),
  windows: integer('windows').notNull(),
  /** The model's training curves (copied so the evaluation reads alone). */
  trainingCurves: text('training_curves', { mode: 'json' }).$type<TrainingCurves>().notNull(),
  gradientStatus: text('gradient_status', { enum: ['none', 'running', 'completed', 'failed'] }).notNull().default('none'),
  gradientEvaluation: text('gradient_evaluation', { mode: 'json' }).$type<GradientEvaluation>(),
  gradientError: text('gradient_error'),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
}, (t) => [
  index('evaluations_owner_idx').on(t.ownerId, t.createdAt),
  index('evaluations_model_idx').on(t.modelId),
]);
