import { and, asc, desc, eq, gt, inArray, lt, ne, notInArray, sql } from 'drizzle-orm';
import type { EdgeAlertEvent, EdgeScore } from '@prometheus/protocol';
import type { Db } from '../../db/client.js';
import { deployments, edgeAlerts, edgeScores, edgeTargets } from '../../db/schema/index.js';

export type DeploymentRow = typeof deployments.$inferSelect;
export type NewDeploymentRow = typeof deployments.$inferInsert;
export type DeploymentPatch = Partial<Omit<NewDeploymentRow, 'id' | 'createdAt'>>;
export type DeploymentState = DeploymentRow['status'];
export type AlertRow = typeof edgeAlerts.$inferSelect;
export type ScoreRow = typeof edgeScores.$inferSelect;

/** States the orchestrator still works on. */
export const IN_PROGRESS: DeploymentState[] = ['compiling', 'quantizing', 'packaging', 'transferring'];
/** Ended without the model running: these do not count towards max_deployments. */
export const ENDED_UNSUCCESSFUL: DeploymentState[] = ['failed', 'rolled_back', 'superseded'];

export function createDeploymentsRepo(db: Db) {
  return {
    async insert(row: NewDeploymentRow): Promise<DeploymentRow> {
      return db.insert(deployments).values(row).returning().get();
    },
    async findById(id: string): Promise<DeploymentRow | undefined> {
      return db.select().from(deployments).where(eq(deployments.id, id)).get();
    },
    /** All deployments, or one owner's, newest first. */
    async list(ownerId?: string): Promise<DeploymentRow[]> {
      const q = db.select().from(deployments);
      return (ownerId ? q.where(eq(deployments.ownerId, ownerId)) : q).orderBy(desc(deployments.createdAt), desc(deployments.id)).all();
    },
    async withStatus(statuses: DeploymentState[]): Promise<DeploymentRow[]> {
      return db.select().from(deployments).where(inArray(deployments.status, statuses)).orderBy(asc(deployments.createdAt)).all();
    },
    /** Updates only while the row is in one of `from` (a step never overwrites a state someone else set). */
    async transition(id: string, from: DeploymentState[], patch: DeploymentPatch): Promise<DeploymentRow | undefined> {
      return db.update(deployments).set(patch).where(and(eq(deployments.id, id), inArray(deployments.status, from))).returning().get();
    },
    async update(id: string, patch: DeploymentPatch): Promise<void> {
      db.update(deployments).set(patch).where(eq(deployments.id, id)).run();
    },
    async forTarget(targetId: string, statuses: DeploymentState[]): Promise<DeploymentRow[]> {
      return db.select().from(deployments).where(and(eq(deployments.targetId, targetId), inArray(deployments.status, statuses)))
        .orderBy(asc(deployments.createdAt)).all();
    },
    async countForTarget(targetId: string): Promise<number> {
      return db.$count(deployments, eq(deployments.targetId, targetId));
    },
    /** Model deployments in progress or deployed (the max_deployments counter; agent updates are not counted). */
    async countActive(ownerId: string): Promise<number> {
      return db.$count(deployments, and(eq(deployments.ownerId, ownerId), eq(deployments.kind, 'model'), notInArray(deployments.status, ENDED_UNSUCCESSFUL)));
    },
    /** The same, leaving out one target's (a new deployment there replaces them). */
    async countActiveElsewhere(ownerId: string, targetId: string): Promise<number> {
      return db.$count(deployments, and(eq(deployments.ownerId, ownerId), eq(deployments.kind, 'model'), ne(deployments.targetId, targetId),
        notInArray(deployments.status, ENDED_UNSUCCESSFUL)));
    },
    async countAll(): Promise<number> {
      return db.$count(deployments);
    },
    /** A deployment that is in progress or running the model, if any (the models delete guard). */
    async activeWithModel(modelId: string): Promise<DeploymentRow | undefined> {
      return db.select().from(deployments).where(and(eq(deployments.modelId, modelId), notInArray(deployments.status, ENDED_UNSUCCESSFUL))).get();
    },
    /** The target's owner and name now (alerts go to whoever owns the controller). */
    async targetOwner(targetId: string): Promise<{ ownerId: string; name: string } | undefined> {
      return db.select({ ownerId: edgeTargets.ownerId, name: edgeTargets.name }).from(edgeTargets).where(eq(edgeTargets.id, targetId)).get();
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      db.update(deployments).set({ ownerId: toUserId }).where(eq(deployments.ownerId, fromUserId)).run();
    },

    async insertScores(targetId: string, deploymentId: string, scores: EdgeScore[]): Promise<void> {
      if (scores.length === 0) return;
      db.insert(edgeScores).values(scores.map((s) => ({ targetId, deploymentId, ts: s.ts, score: s.score, anomaly: s.anomaly, outOfRange: s.out_of_range === true })))
        .onConflictDoUpdate({
          target: [edgeScores.targetId, edgeScores.ts, edgeScores.deploymentId],
          set: { score: sql`excluded.score`, anomaly: sql`excluded.anomaly`, outOfRange: sql`excluded.out_of_range` },
        })
        .run();
    },
    /** The newest `limit` scores after `since`, returned oldest first. */
    async listScores(targetId: string, since: number | undefined, limit: number): Promise<ScoreRow[]> {
      const where = since === undefined ? eq(edgeScores.targetId, targetId) : and(eq(edgeScores.targetId, targetId), gt(edgeScores.ts, since));
      return db.select().from(edgeScores).where(where).orderBy(desc(edgeScores.ts)).limit(limit).all().reverse();
    },
    async pruneScores(before: number): Promise<number> {
      return db.delete(edgeScores).where(lt(edgeScores.ts, before)).run().changes;
    },

    /** Inserts or updates an agent's alert; `raisedNow` when this call first recorded it. */
    async upsertAlert(row: Omit<AlertRow, 'id'> & { id: string }, alert: Pick<EdgeAlertEvent, 'id' | 'state'>): Promise<{ row: AlertRow; raisedNow: boolean }> {
      return db.transaction((tx) => {
        const existing = tx.select().from(edgeAlerts).where(and(eq(edgeAlerts.targetId, row.targetId), eq(edgeAlerts.agentAlertId, alert.id))).get();
        if (!existing) return { row: tx.insert(edgeAlerts).values(row).returning().get(), raisedNow: true };
        // A late replay of `raised` never reopens a cleared alert.
        const cleared = existing.state === 'cleared' || alert.state === 'cleared';
        const updated = tx.update(edgeAlerts).set({
          state: cleared ? 'cleared' : 'raised', clearedAt: existing.clearedAt ?? row.clearedAt,
          peakScore: Math.max(existing.peakScore, row.peakScore), message: cleared && alert.state === 'raised' ? existing.message : row.message,
        }).where(eq(edgeAlerts.id, existing.id)).returning().get();
        return { row: updated, raisedNow: false };
      });
    },
    async listAlerts(targetId: string, state: AlertRow['state'] | undefined, limit: number, kind?: AlertRow['kind']): Promise<AlertRow[]> {
      const where = and(eq(edgeAlerts.targetId, targetId), state ? eq(edgeAlerts.state, state) : undefined, kind ? eq(edgeAlerts.kind, kind) : undefined);
      return db.select().from(edgeAlerts).where(where).orderBy(desc(edgeAlerts.raisedAt)).limit(limit).all();
    },
  };
}

export type DeploymentsRepo = ReturnType<typeof createDeploymentsRepo>;
