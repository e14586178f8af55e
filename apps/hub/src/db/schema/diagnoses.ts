import type { AfddInput, AfddSettings, Diagnosis } from '@prometheus/afdd';
import type { DiagnosisModelView, DiagnosisReferenceView } from '@prometheus/protocol';
import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestamp } from './columns.js';
import { datasets } from './datasets.js';

/**
 * What a completed diagnosis found (the rest of @prometheus/afdd's Diagnosis is in its own columns); standing
 * findings, reference days and the model part are absent from diagnoses stored before they existed.
 */
export type DiagnosisResult = Pick<Diagnosis, 'episodes' | 'days' | 'skipped_rules' | 'min_oa'> & {
  standing?: Diagnosis['standing'];
  reference?: DiagnosisReferenceView | null;
  model?: DiagnosisModelView | null;
};

// A run of the Guideline 36 rules over a dataset. It goes with its dataset (cascade); who may see it is
// decided by the dataset's owner.
export const diagnoses = sqliteTable('diagnoses', {
  id: text('id').primaryKey(),
  datasetId: text('dataset_id').notNull().references(() => datasets.id, { onDelete: 'cascade' }),
  status: text('status', { enum: ['running', 'completed', 'failed'] }).notNull(),
  error: text('error'),
  settings: text('settings', { mode: 'json' }).$type<AfddSettings>().notNull(),
  timeZone: text('time_zone').notNull(),
  /** AFDD input -> the dataset column read for it. */
  inputs: text('inputs', { mode: 'json' }).$type<Partial<Record<AfddInput, string>>>().notNull(),
  result: text('result', { mode: 'json' }).$type<DiagnosisResult>(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at').notNull(),
  completedAt: timestamp('completed_at'),
}, (t) => [index('diagnoses_dataset_idx').on(t.datasetId, t.createdAt)]);
