import { pgTables } from './pg-schema.js';

// What drizzle-kit reads for PostgreSQL (drizzle.pg.config.ts): it only sees top-level exports, so every table
// of ./schema is named here once. pg-schema.test.ts fails when a table of ./schema is missing from this list.
export const {
  users, sessions, emailVerifications, passwordResets, userPreferences, subscriptions,
  datasets, outboundPolicy, datasetPointMaps, targetPointMaps,
  edgeTargets, edgeIngestState, edgePendingSeqs, edgeIngestBatches,
  stripeEvents, pushTokens, pushTickets, conversations, conversationMessages,
  trainingRuns, trainingEpochs, models, evaluations,
  deployments, edgeScores, edgeAlerts, diagnoses,
} = pgTables;
