import { and, asc, count, desc, eq, gte, inArray, isNull, lt, ne, notInArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { deployments, edgeScores, edgeTargets, rollouts } from '../../db/schema/index.js';

export type RolloutRow = typeof rollouts.$inferSelect;
export type NewRolloutRow = typeof rollouts.$inferInsert;
export type RolloutPatch = Partial<Omit<NewRolloutRow, 'id' | 'ownerId' | 'createdAt'>>;

// Portable queries only (SQLite now, PostgreSQL next): arrays from selects, no driver-specific calls.
export function createRolloutsRepo(db: Db) {
  return {
    async insert(row: NewRolloutRow): Promise<RolloutRow> {
      const [inserted] = await db.insert(rollouts).values(row).returning();
      return inserted as RolloutRow;
    },
    async findById(id: string): Promise<RolloutRow | undefined> {
      const [row] = await db.select().from(rollouts).where(eq(rollouts.id, id)).limit(1);
      return row;
    },
    async list(ownerId?: string): Promise<RolloutRow[]> {
      const q = db.select().from(rollouts);
      return (ownerId ? q.where(eq(rollouts.ownerId, ownerId)) : q).orderBy(desc(rollouts.createdAt), desc(rollouts.id));
    },
    /** Rollouts the engine still works on: running or paused, or halted/aborted with deployments still in flight. */
    async unfinished(): Promise<RolloutRow[]> {
      return db.select().from(rollouts).where(isNull(rollouts.finishedAt)).orderBy(asc(rollouts.createdAt));
    },
    async update(id: string, patch: RolloutPatch): Promise<void> {
      await db.update(rollouts).set(patch).where(eq(rollouts.id, id));
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      await db.update(rollouts).set({ ownerId: toUserId }).where(eq(rollouts.ownerId, fromUserId));
    },
    /** The owner's deployments in progress or running on targets outside `targetIds` (the max_deployments count a rollout adds to). */
    async activeOutside(ownerId: string, targetIds: string[]): Promise<number> {
      const [row] = await db.select({ n: count() }).from(deployments).where(and(
        eq(deployments.ownerId, ownerId), notInArray(deployments.status, ['failed', 'rolled_back', 'superseded']), notInArray(deployments.targetId, targetIds),
      ));
      return row?.n ?? 0;
    },
    /** The deployments a rollout follows, by id. */
    async deploymentsById(ids: string[]): Promise<Map<string, typeof deployments.$inferSelect>> {
      if (ids.length === 0) return new Map();
      const rows = await db.select().from(deployments).where(inArray(deployments.id, ids));
      return new Map(rows.map((r) => [r.id, r]));
    },
    /** The targets' rows (online flag, current model, revocation), by id. */
    async targetsById(ids: string[]): Promise<Map<string, typeof edgeTargets.$inferSelect>> {
      if (ids.length === 0) return new Map();
      const rows = await db.select().from(edgeTargets).where(inArray(edgeTargets.id, ids));
      return new Map(rows.map((r) => [r.id, r]));
    },
    /** Windows a target scored under one deployment: how many, how many anomalous. */
    async scoresOf(targetId: string, deploymentId: string): Promise<{ windows: number; anomalous: number }> {
      const rows = await db.select({ anomaly: edgeScores.anomaly }).from(edgeScores)
        .where(and(eq(edgeScores.targetId, targetId), eq(edgeScores.deploymentId, deploymentId)));
      return { windows: rows.length, anomalous: rows.filter((r) => r.anomaly).length };
    },
    /** Windows the target scored under other deployments in [from, to): its own history before a deployment. */
    async scoresBefore(targetId: string, exceptDeploymentId: string, from: number, to: number): Promise<{ windows: number; anomalous: number }> {
      const rows = await db.select({ anomaly: edgeScores.anomaly }).from(edgeScores).where(and(
        eq(edgeScores.targetId, targetId), ne(edgeScores.deploymentId, exceptDeploymentId), gte(edgeScores.ts, from), lt(edgeScores.ts, to),
      ));
      return { windows: rows.length, anomalous: rows.filter((r) => r.anomaly).length };
    },
    /** Windows the target scored in [from, to), whatever deployment scored them. */
    async scoresBetween(targetId: string, from: number, to: number): Promise<{ windows: number; anomalous: number }> {
      const rows = await db.select({ anomaly: edgeScores.anomaly }).from(edgeScores)
        .where(and(eq(edgeScores.targetId, targetId), gte(edgeScores.ts, from), lt(edgeScores.ts, to)));
      return { windows: rows.length, anomalous: rows.filter((r) => r.anomaly).length };
    },
    /** The target's newest deployment that ran its current model (what a rollback redeploys with its settings). */
    async lastDeployedWithModel(targetId: string, modelId: string): Promise<typeof deployments.$inferSelect | undefined> {
      const [row] = await db.select().from(deployments)
        .where(and(eq(deployments.targetId, targetId), eq(deployments.modelId, modelId), inArray(deployments.status, ['deployed', 'superseded'])))
        .orderBy(desc(deployments.createdAt)).limit(1);
      return row;
    },
  };
}

export type RolloutsRepo = ReturnType<typeof createRolloutsRepo>;
