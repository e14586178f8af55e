import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { RolloutSelector, RolloutStrategy } from '@prometheus/protocol';
import { users } from './accounts.js';
import { timestamp } from './columns.js';

export const ROLLOUT_STATUSES = ['running', 'paused', 'completed', 'halted', 'aborted'] as const;

/** One wave as stored: its targets and, once it ran, when, and the canaries' alarm-rate checks. */
export interface RolloutWaveRecord {
  kind: 'canary' | 'wave';
  status: 'pending' | 'running' | 'observing' | 'done' | 'halted' | 'aborted';
  targetIds: string[];
  startedAt: number | null;
  /** All its targets reached an outcome (the interval runs from here). */
  settledAt: number | null;
  finishedAt: number | null;
  alarmChecks: { target_id: string; before: number | null; after: number | null; windows_before: number; windows_after: number; exceeded: boolean }[];
}

/** One target of a rollout as stored. */
export interface RolloutTargetRecord {
  targetId: string;
  targetName: string;
  wave: number;
  state: 'pending' | 'deploying' | 'deployed' | 'failed' | 'rolling_back' | 'rolled_back' | 'skipped' | 'offline' | 'aborted';
  deploymentId: string | null;
  previousModelId: string | null;
  /** The agent version it ran before (agent_version rollouts; absent on rows written before they existed). */
  previousAgentVersion?: string | null;
  rollbackDeploymentId: string | null;
  /** The engine has dealt with its rollback (kept, redeployed, or impossible): never twice. */
  rollbackTried?: boolean;
  detail: string | null;
  /** When its deployment was created (the offline deadline runs from here). */
  startedAt: number | null;
  updatedAt: number;
}

// A rollout: the engine's whole state in one row (waves and targets as JSON), so a hub restart resumes it
// from the store; the deployments it creates are ordinary deployment rows.
export const rollouts = sqliteTable('rollouts', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id').notNull().references(() => users.id),
  createdBy: text('created_by').notNull(),
  modelId: text('model_id'),
  agentVersion: text('agent_version'),
  selector: text('selector', { mode: 'json' }).$type<RolloutSelector>().notNull(),
  strategy: text('strategy', { mode: 'json' }).$type<RolloutStrategy>().notNull(),
  status: text('status', { enum: ROLLOUT_STATUSES }).notNull(),
  reason: text('reason'),
  currentWave: integer('current_wave').notNull().default(0),
  waves: text('waves', { mode: 'json' }).$type<RolloutWaveRecord[]>().notNull(),
  targets: text('targets', { mode: 'json' }).$type<RolloutTargetRecord[]>().notNull(),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
  finishedAt: timestamp('finished_at'),
}, (t) => [index('rollouts_owner_idx').on(t.ownerId, t.createdAt), index('rollouts_status_idx').on(t.status)]);
