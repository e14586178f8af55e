import { and, asc, desc, eq, inArray, lt, notInArray, or, sql } from 'drizzle-orm';
import type { Dialect } from '../../db/client.js';
import type { Db } from '../../db/client.js';
import { trainingEpochs, trainingRuns } from '../../db/schema/index.js';

export type RunRow = typeof trainingRuns.$inferSelect;
export type NewRunRow = typeof trainingRuns.$inferInsert;
export type RunPatch = Partial<Omit<NewRunRow, 'id' | 'createdAt' | 'ownerId'>>;
export type EpochRow = typeof trainingEpochs.$inferSelect;

const ACTIVE = ['queued', 'running'] as const;

export function createTrainingRepo(db: Db, dialect: Dialect = 'sqlite') {
  return {
    async insert(row: NewRunRow): Promise<RunRow> {
      const [inserted] = await db.insert(trainingRuns).values(row).returning();
      return inserted as RunRow;
    },
    async findById(id: string): Promise<RunRow | undefined> {
      const [row] = await db.select().from(trainingRuns).where(eq(trainingRuns.id, id)).limit(1);
      return row;
    },
    /** All runs, or one owner's, newest first. */
    async list(ownerId?: string): Promise<RunRow[]> {
      const q = db.select().from(trainingRuns);
      return (ownerId ? q.where(eq(trainingRuns.ownerId, ownerId)) : q).orderBy(desc(trainingRuns.createdAt), desc(trainingRuns.id));
    },
    async update(id: string, patch: RunPatch): Promise<RunRow | undefined> {
      const [row] = await db.update(trainingRuns).set(patch).where(eq(trainingRuns.id, id)).returning();
      return row;
    },
    /** Runs in a status, oldest first (the queue's order). */
    async withStatus(status: RunRow['status']): Promise<RunRow[]> {
      return db.select().from(trainingRuns).where(eq(trainingRuns.status, status)).orderBy(asc(trainingRuns.createdAt), asc(trainingRuns.id));
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
      const [row] = await db.select().from(trainingRuns).where(and(eq(trainingRuns.datasetId, datasetId), inArray(trainingRuns.status, [...ACTIVE]))).limit(1);
      return row;
    },
    async addEpoch(row: EpochRow): Promise<void> {
      await db.insert(trainingEpochs).values(row).onConflictDoNothing();
    },
    async epochs(runId: string): Promise<EpochRow[]> {
      return db.select().from(trainingEpochs).where(eq(trainingEpochs.runId, runId)).orderBy(asc(trainingEpochs.epoch));
    },
    /** Start-up: runs a previous process left `running` are failed with the reason; returns their ids. */
    async failRunning(reason: string, at: Date): Promise<string[]> {
      const rows = await db.update(trainingRuns).set({ status: 'failed', error: reason, completedAt: at, estimatedRemainingSeconds: null })
        .where(eq(trainingRuns.status, 'running')).returning({ id: trainingRuns.id });
      return rows.map((r) => r.id);
    },
    /**
     * A worker takes the oldest queued run, marks it running under its lease, and gets it; undefined when
     * nothing waits. One statement, so two workers never take the same run (SQLite writes one at a time;
     * on PostgreSQL the row is chosen FOR UPDATE SKIP LOCKED).
     */
    async claimNext(workerId: string, now: Date, leaseUntil: Date, skip: string[] = []): Promise<RunRow | undefined> {
      // `skip`: runs an earlier attempt of this worker still trains (requeued after it stalled past its lease); it
      // takes them only once that attempt noticed and stopped, never two trainings of one run here.
      const notSkipped = skip.length > 0 ? sql` and id not in (${sql.join(skip.map((id) => sql`${id}`), sql`, `)})` : sql``;
      // PostgreSQL: a worker skips the row another is claiming instead of waiting for it (and then finding it taken).
      // A scalar subquery (`id = (...)`), evaluated once: under `IN (...)` PostgreSQL may run it again for every row.
      const oldest = dialect === 'postgres'
        ? sql`(select id from training_runs where status = 'queued'${notSkipped} order by created_at, id limit 1 for update skip locked)`
        : sql`(${db.select({ id: trainingRuns.id }).from(trainingRuns).where(and(eq(trainingRuns.status, 'queued'), notInArray(trainingRuns.id, skip)))
          .orderBy(asc(trainingRuns.createdAt), asc(trainingRuns.id)).limit(1)})`;
      const [row] = await db.update(trainingRuns).set({ status: 'running', startedAt: now, workerId, leaseExpiresAt: leaseUntil })
        .where(and(eq(trainingRuns.id, oldest), eq(trainingRuns.status, 'queued'))).returning();
      return row;
    },
    /** Extends the lease of a run the worker still holds; false when it no longer does (the run was failed). */
    async renewLease(id: string, workerId: string, until: Date): Promise<boolean> {
      const rows = await db.update(trainingRuns).set({ leaseExpiresAt: until })
        .where(and(eq(trainingRuns.id, id), eq(trainingRuns.workerId, workerId), eq(trainingRuns.status, 'running'))).returning({ id: trainingRuns.id });
      return rows.length > 0;
    },
    /** A worker's write to a run it holds (progress, its end); undefined when it lost the run. */
    async updateHeld(id: string, workerId: string, patch: RunPatch): Promise<RunRow | undefined> {
      const [row] = await db.update(trainingRuns).set(patch)
        .where(and(eq(trainingRuns.id, id), eq(trainingRuns.workerId, workerId), eq(trainingRuns.status, 'running'))).returning();
      return row;
    },
    /**
     * Running runs whose lease lapsed before `now`: a run's first lapse puts it back in the queue for any worker
     * (its partial curve dropped: the next worker trains it from the start), its second fails it with
     * `reason(worker)`. Returns each with what became of it.
     */
    async sweepLapsed(now: Date, reason: (workerId: string | null) => string): Promise<{ run: RunRow; lapsedWorker: string | null }[]> {
      const lapsed = await db.select().from(trainingRuns).where(and(eq(trainingRuns.status, 'running'), lt(trainingRuns.leaseExpiresAt, now)));
      const swept: { run: RunRow; lapsedWorker: string | null }[] = [];
      for (const run of lapsed) {
        const patch: RunPatch = run.leaseLapses === 0
          ? {
            status: 'queued', workerId: null, leaseExpiresAt: null, leaseLapses: 1, startedAt: null, currentEpoch: 0,
            currentTrainLoss: null, currentValLoss: null, bestValLoss: null, trainingSeconds: 0, estimatedRemainingSeconds: null,
          }
          : { status: 'failed', error: reason(run.workerId), completedAt: now, estimatedRemainingSeconds: null, leaseLapses: run.leaseLapses + 1 };
        // Only if it is still lapsed: a worker that renewed in between keeps its run.
        const [row] = await db.update(trainingRuns).set(patch)
          .where(and(eq(trainingRuns.id, run.id), eq(trainingRuns.status, 'running'), lt(trainingRuns.leaseExpiresAt, now))).returning();
        if (!row) continue;
        if (row.status === 'queued') await db.delete(trainingEpochs).where(eq(trainingEpochs.runId, run.id));
        swept.push({ run: row, lapsedWorker: run.workerId });
      }
      return swept;
    },
    /** Takes a run out of the queue; undefined when it was no longer queued (a worker took it). */
    async stopQueued(id: string, now: Date): Promise<RunRow | undefined> {
      const [row] = await db.update(trainingRuns).set({ status: 'stopped', stopReason: 'stopped', completedAt: now })
        .where(and(eq(trainingRuns.id, id), eq(trainingRuns.status, 'queued'))).returning();
      return row;
    },
    /** 1-based place of a queued run in the queue (oldest first). */
    async queuePosition(run: RunRow): Promise<number> {
      const ahead = await db.$count(trainingRuns, and(eq(trainingRuns.status, 'queued'), or(
        lt(trainingRuns.createdAt, run.createdAt), and(eq(trainingRuns.createdAt, run.createdAt), lt(trainingRuns.id, run.id)),
      )));
      return ahead + 1;
    },
    async countQueued(): Promise<number> {
      return db.$count(trainingRuns, eq(trainingRuns.status, 'queued'));
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      await db.update(trainingRuns).set({ ownerId: toUserId }).where(eq(trainingRuns.ownerId, fromUserId));
    },
  };
}

export type TrainingRepo = ReturnType<typeof createTrainingRepo>;
