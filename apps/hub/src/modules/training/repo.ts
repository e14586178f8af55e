import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { trainingEpochs, trainingRuns } from '../../db/schema/index.js';

export type RunRow = typeof trainingRuns.$inferSelect;
export type NewRunRow = typeof trainingRuns.$inferInsert;
export type RunPatch = Partial<Omit<NewRunRow, 'id' | 'createdAt' | 'ownerId'>>;
export type EpochRow = typeof trainingEpochs.$inferSelect;

const ACTIVE = ['queued', 'running'] as const;

export function createTrainingRepo(db: Db) {
  return {
    async insert(row: NewRunRow): Promise<RunRow> {
      return db.insert(trainingRuns).values(row).returning().get();
    },
    async findById(id: string): Promise<RunRow | undefined> {
      return db.select().from(trainingRuns).where(eq(trainingRuns.id, id)).get();
    },
    /** All runs, or one owner's, newest first. */
    async list(ownerId?: string): Promise<RunRow[]> {
      const q = db.select().from(trainingRuns);
      return (ownerId ? q.where(eq(trainingRuns.ownerId, ownerId)) : q).orderBy(desc(trainingRuns.createdAt), desc(trainingRuns.id)).all();
    },
    async update(id: string, patch: RunPatch): Promise<RunRow | undefined> {
      return db.update(trainingRuns).set(patch).where(eq(trainingRuns.id, id)).returning().get();
    },
    /** Runs in a status, oldest first (the queue's order). */
    async withStatus(status: RunRow['status']): Promise<RunRow[]> {
      return db.select().from(trainingRuns).where(eq(trainingRuns.status, status)).orderBy(asc(trainingRuns.createdAt), asc(trainingRuns.id)).all();
    },
    /** Queued or running runs of a user (the max_concurrent_trainings counter). */
    async countActive(ownerId: string): Promise<number> {
      return db.$count(trainingRuns, and(eq(trainingRuns.ownerId, ownerId), inArray(trainingRuns.status, [...ACTIVE])));
    },
    async countRunning(): Promise<number> {
      return db.$count(trainingRuns, eq(trainingRuns.status, 'running'));
    },
    /** A queued or running run that reads the dataset, if any (the datasets delete guard). */
    async activeOnDataset(datasetId: string): Promise<RunRow | undefined> {
      return db.select().from(trainingRuns).where(and(eq(trainingRuns.datasetId, datasetId), inArray(trainingRuns.status, [...ACTIVE]))).get();
    },
    async addEpoch(row: EpochRow): Promise<void> {
      db.insert(trainingEpochs).values(row).onConflictDoNothing().run();
    },
    async epochs(runId: string): Promise<EpochRow[]> {
      return db.select().from(trainingEpochs).where(eq(trainingEpochs.runId, runId)).orderBy(asc(trainingEpochs.epoch)).all();
    },
    /** Start-up: runs a previous process left `running` are failed with the reason; returns their ids. */
    async failRunning(reason: string, at: Date): Promise<string[]> {
      return db.update(trainingRuns).set({ status: 'failed', error: reason, completedAt: at, estimatedRemainingSeconds: null })
        .where(eq(trainingRuns.status, 'running')).returning({ id: trainingRuns.id }).all().map((r) => r.id);
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      db.update(trainingRuns).set({ ownerId: toUserId }).where(eq(trainingRuns.ownerId, fromUserId)).run();
    },
  };
}

export type TrainingRepo = ReturnType<typeof createTrainingRepo>;
