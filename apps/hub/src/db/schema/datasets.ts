import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { flag, timestamp } from './columns.js';

/** Running statistics of one column; `m2` (sum of squared deviations) lets appends merge in O(1). */
export interface ColumnState {
  kind: 'numeric' | 'text';
  /** Finite numeric cells. */
  n: number;
  missing: number;
  /** Non-empty cells that are not numbers (e.g. `#VALUE!`). */
  strings: number;
  min: number | null;
  max: number | null;
  mean: number;
  m2: number;
}

/** How the stored CSV is read: its delimiter and the header names the hub uses (trimmed, unique). */
export interface CsvLayout {
  delimiter: string;
  /** 'iso' (ISO 8601), 'mdy4' (M/D/YYYY H:MM[:SS]) or 'mdy2' (M/D/YY H:MM[:SS]). */
  timeFormat: 'iso' | 'mdy4' | 'mdy2' | null;
  /** IANA zone the file's zone-less times were recorded in (given at upload); absent = UTC. */
  timeZone?: string | null;
  /**
   * A locked dataset too wide for one Parquet file under the engine's memory: how many columns each part holds,
   * in column order (`data.parquet`, `data.1.parquet`, ...). Absent: one file.
   */
  parts?: number[];
}

export const datasets = sqliteTable('datasets', {
  id: text('id').primaryKey(),
  // No cascade: on user deletion the datasets pass to the deleting admin (users.addCleanup).
  ownerId: text('owner_id').notNull().references(() => users.id),
  name: text('name').notNull(),
  equipmentType: text('equipment_type').notNull(),
  location: text('location'),
  unit: text('unit'),
  source: text('source').notNull(),
  /** Edge datasets: the target id; connector datasets: null. */
  sourceRef: text('source_ref'),
  targetName: text('target_name'),
  columns: text('columns', { mode: 'json' }).$type<string[]>().notNull(),
  stats: text('stats', { mode: 'json' }).$type<Record<string, ColumnState>>().notNull(),
  timeColumn: text('time_column'),
  layout: text('layout', { mode: 'json' }).$type<CsvLayout>().notNull(),
  timeStart: integer('time_start'),
  timeEnd: integer('time_end'),
  rowCount: integer('row_count').notNull(),
  /** Bytes of the stored file; for an edge dataset's data.csv, the committed length (appends past it are torn, see edge.ts). */
  fileSizeBytes: integer('file_size_bytes').notNull(),
  /** 'csv' while editable; 'parquet' (zstd) while locked. */
  storage: text('storage', { enum: ['csv', 'parquet'] }).notNull(),
  /** Edge readings that arrived while locked, waiting in tail.csv until unlock. */
  tailRows: integer('tail_rows').notNull().default(0),
  /** The committed length of tail.csv (0: no tail yet). */
  tailBytes: integer('tail_bytes').notNull().default(0),
  isValidated: flag('is_validated').notNull().default(false),
  locked: flag('locked').notNull().default(false),
  validatedAt: timestamp('validated_at'),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
}, (t) => [
  index('datasets_owner_idx').on(t.ownerId),
  uniqueIndex('datasets_source_ref_idx').on(t.source, t.sourceRef),
]);

/** The admin-set outbound policy for connectors (one row, id 1). */
export const outboundPolicy = sqliteTable('outbound_policy', {
  id: integer('id').primaryKey(),
  allow: text('allow', { mode: 'json' }).$type<string[]>().notNull(),
  deny: text('deny', { mode: 'json' }).$type<string[]>().notNull(),
  updatedAt: timestamp('updated_at').notNull(),
  updatedBy: text('updated_by'),
});
