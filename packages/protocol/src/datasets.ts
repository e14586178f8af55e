import { z } from 'zod';
import { displayName, EquipmentType, IsoTime } from './common.js';
import { Architecture, isTimeZone } from './profile.js';

export const DatasetSource = z.enum([
  'csv_upload', 'edge', 'aegis_bridge', 'influxdb', 'postgresql', 'tidb', 'sqlite', 'mongodb', 'spacetimedb',
]);
export type DatasetSource = z.infer<typeof DatasetSource>;

export const ColumnStats = z.object({ min: z.number(), max: z.number(), mean: z.number(), std: z.number() });
export type ColumnStats = z.infer<typeof ColumnStats>;

export const TimeRange = z.object({ start: IsoTime, end: IsoTime });
export type TimeRange = z.infer<typeof TimeRange>;

/** Multipart fields of POST /datasets besides `file`. */
export const UploadDatasetFields = z.object({
  name: displayName(200),
  equipment_type: EquipmentType,
  location: displayName(200).optional(),
  unit: displayName(100).optional(),
  /** Addition: the IANA zone in which the file's zone-less times were recorded (BMS exports are local time); UTC when absent. */
  timezone: z.string().trim().min(1).max(64).refine(isTimeZone, 'must be an IANA time zone such as America/Los_Angeles').optional(),
});
export type UploadDatasetFields = z.infer<typeof UploadDatasetFields>;

export const DatasetSummary = z.object({
  id: z.string(),
  name: z.string(),
  equipment_type: EquipmentType,
  location: z.string().nullable(),
  unit: z.string().nullable(),
  source: DatasetSource,
  /** Edge datasets: the target whose readings this dataset collects. */
  target_name: z.string().nullable(),
  row_count: z.number().int(),
  columns: z.array(z.string()),
  file_size_bytes: z.number().int(),
  is_validated: z.boolean(),
  locked: z.boolean(),
  created_at: IsoTime,
  created_by: z.string(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const DatasetDetail = DatasetSummary.extend({
  column_stats: z.record(z.string(), ColumnStats),
  time_range: TimeRange.nullable(),
  timestamp_column: z.string().nullable(),
  /** Addition: the zone zone-less times were read in (null = UTC). */
  timezone: z.string().nullable(),
});
export type DatasetDetail = z.infer<typeof DatasetDetail>;

export const DatasetPreviewQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(1000, 'must be at most 1000').default(100),
  sort_col: z.string().min(1).max(500).optional(),
  sort_dir: z.enum(['asc', 'desc']).default('asc'),
});
export type DatasetPreviewQuery = z.infer<typeof DatasetPreviewQuery>;

export const DatasetPreview = z.object({
  headers: z.array(z.string()),
  rows: z.array(z.array(z.string().nullable())),
  total_rows: z.number().int(),
  page: z.number().int(),
  total_pages: z.number().int(),
});
export type DatasetPreview = z.infer<typeof DatasetPreview>;

/** POST /datasets/:id/validate query: the share of missing or non-numeric cells a numeric column may have. */
export const ValidateQuery = z.object({
  /** Addition: 0-100; absent means the hub's DATASET_VALIDATION_TOLERANCE_PERCENT (default 0, the contract's letter). */
  tolerance_percent: z.preprocess((v) => (v === '' ? Number.NaN : v),
    z.coerce.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100')).optional(),
});
export type ValidateQuery = z.infer<typeof ValidateQuery>;

export const ValidationReport = z.object({
  valid: z.boolean(),
  /** Problems that block training, in the contract's wording. */
  issues: z.array(z.string()),
  /** Findings within the tolerance (missing or non-numeric cells under `tolerance_percent`, text columns): reported, not blocking. */
  warnings: z.array(z.string()),
  columns_checked: z.number().int(),
  rows_checked: z.number().int(),
  is_validated: z.boolean(),
  locked: z.boolean(),
});
export type ValidationReport = z.infer<typeof ValidationReport>;

export const UnlockResponse = z.object({
  message: z.string(),
  is_validated: z.literal(false),
  locked: z.literal(false),
});

export const Hyperparameters = z.object({
  learning_rate: z.number(),
  batch_size: z.number().int(),
  epochs: z.number().int(),
  hidden_dim: z.number().int(),
  bottleneck_dim: z.number().int(),
  num_layers: z.number().int(),
  sequence_length: z.number().int(),
  dropout: z.number(),
  optimizer: z.enum(['adam', 'adamw', 'sgd']),
  loss: z.enum(['mse', 'bce']),
});
export type Hyperparameters = z.infer<typeof Hyperparameters>;

export const Recommendation = z.object({
  architecture: Architecture,
  match_score: z.number().min(0).max(1),
  use_case: z.string(),
  description: z.string(),
  inputs: z.string(),
  outputs: z.string(),
  inference_result: z.string(),
  hyperparameters: Hyperparameters,
  /** Why this score: the facts of the data that raised or lowered it. */
  reasons: z.array(z.string()),
});
export type Recommendation = z.infer<typeof Recommendation>;

export const RecommendResponse = z.object({ dataset_id: z.string(), recommendations: z.array(Recommendation) });
export type RecommendResponse = z.infer<typeof RecommendResponse>;

/** 201 of POST /datasets and POST /datasets/connect. */
export const DatasetCreated = DatasetDetail;
