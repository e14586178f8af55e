import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { flag, timestamp } from './columns.js';

// Edge targets (controllers) and the idempotency record of their telemetry.
export const edgeTargets = sqliteTable('edge_targets', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id').notNull().references(() => users.id),
  name: text('name').notNull(),
  ip: text('ip'),
  arch: text('arch'),
  equipmentType: text('equipment_type').notNull().default('air_handler'),
  /** SHA-256 of the one-time enrollment token; cleared once used. */
  enrollmentTokenHash: text('enrollment_token_hash').unique(),
  enrollmentExpiresAt: timestamp('enrollment_expires_at'),
  /** SHA-256 of the device's 256-bit random MQTT secret. */
  secretHash: text('secret_hash'),
  enrolledAt: timestamp('enrolled_at'),
  revokedAt: timestamp('revoked_at'),
  online: flag('online').notNull().default(false),
  lastSeen: timestamp('last_seen'),
  agentVersion: text('agent_version'),
  currentModel: text('current_model'),
  currentModelVersion: text('current_model_version'),
  outboxDepth: integer('outbox_depth'),
  /** Readings the agent reports it evicted from its outbox (its own count). */
  agentDropped: integer('agent_dropped').notNull().default(0),
  datasetId: text('dataset_id'),
  /** Target groups: `{key: value}` labels (protocol TargetTags), filtered with json_extract. */
  tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
}, (t) => [index('edge_targets_owner_idx').on(t.ownerId)]);

/**
 * Per device: every sequence <= ackSeq is stored or known lost. Together with edge_pending_seqs it is
 * the source of truth for dedupe and for the contiguous acknowledgement.
 */
export const edgeIngestState = sqliteTable('edge_ingest_state', {
  deviceId: text('device_id').primaryKey().references(() => edgeTargets.id, { onDelete: 'cascade' }),
  ackSeq: integer('ack_seq').notNull().default(0),
  storedTotal: integer('stored_total').notNull().default(0),
  lostTotal: integer('lost_total').notNull().default(0),
  /** Readings the dataset sink confirmed (its row count after our last hand-over). */
  datasetSynced: integer('dataset_synced').notNull().default(0),
  /** A hand-over in flight: journal rows up to this sequence, this many readings. */
  syncInflightTo: integer('sync_inflight_to'),
  syncInflightCount: integer('sync_inflight_count'),
});

/** Sequences above ackSeq already stored (or declared dropped), i.e. arrived out of order. */
export const edgePendingSeqs = sqliteTable('edge_pending_seqs', {
  deviceId: text('device_id').notNull().references(() => edgeTargets.id, { onDelete: 'cascade' }),
  seq: integer('seq').notNull(),
  lost: flag('lost').notNull().default(false),
}, (t) => [primaryKey({ columns: [t.deviceId, t.seq] })]);

/**
 * The append journal: one row per contiguous run of sequences stored from one telemetry batch. `readings` holds
 * the batch's payload as received (TelemetryBatch JSON; the run is `readings[seq - batch.seq_from]` for
 * seq_from..seq_to); rows carried over by migration 0007 hold `[[ts, values], ...]` instead (ingest-writer.ts
 * reads both). Runs never overlap, so rows in
 * seq_from order hold the readings in sequence order; a run is wholly at or below the acknowledged sequence or
 * wholly above it, and leaves (to the per-target dataset) only in the first case.
 */
export const edgeIngestBatches = sqliteTable('edge_ingest_batches', {
  deviceId: text('device_id').notNull().references(() => edgeTargets.id, { onDelete: 'cascade' }),
  seqFrom: integer('seq_from').notNull(),
  seqTo: integer('seq_to').notNull(),
  readings: text('readings').notNull(),
}, (t) => [primaryKey({ columns: [t.deviceId, t.seqFrom] })]);
