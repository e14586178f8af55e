import type { PointRole } from '@prometheus/afdd';
import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestamp } from './columns.js';
import { datasets } from './datasets.js';
import { edgeTargets } from './fleet.js';

// Confirmed point maps (a suggestion is computed, never stored). A dataset's map goes with the dataset; an
// edge target's map is what its edge dataset reads.
export const datasetPointMaps = sqliteTable('dataset_point_maps', {
  datasetId: text('dataset_id').primaryKey().references(() => datasets.id, { onDelete: 'cascade' }),
  points: text('points', { mode: 'json' }).$type<PointRole[]>().notNull(),
  /** Who confirmed it last (a user id; kept as text so the map outlives the user). */
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
});

export const targetPointMaps = sqliteTable('target_point_maps', {
  targetId: text('target_id').primaryKey().references(() => edgeTargets.id, { onDelete: 'cascade' }),
  points: text('points', { mode: 'json' }).$type<PointRole[]>().notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
});
