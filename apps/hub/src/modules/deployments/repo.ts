import { and, asc, desc, eq, gt, inArray, isNull, lt, ne, notInArray, sql } from 'drizzle-orm';
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
      return (await db.insert(deployments).values(row).returning())[0]!;
    },
    async findById(id: string): Promise<DeploymentRow | undefined> {
      return (await db.select().from(deployments).where(eq(deployments.id, id)))[0];
    },
    /** All deployments, or one owner's, newest first. */
    async list(ownerId?: string): Promise<DeploymentRow[]> {
      const q = db.select().from(deployments);
      return (ownerId ? q.where(eq(deployments.ownerId, ownerId)) : q).orderBy(desc(deployments.createdAt), desc(deployments.id));
    },
    async withStatus(statuses: DeploymentState[]): Promise<DeploymentRow[]> {
      return (await db.select().from(deployments).where(inArray(deployments.status, statuses)).orderBy(asc(deployments.createdAt)));
    },
    /** Updates only while the row is in one of `from` (a step never overwrites a state someone else set). */
    async transition(id: string, from: DeploymentState[], patch: DeploymentPatch): Promise<DeploymentRow | undefined> {
      return (await db.update(deployments).set(patch).where(and(eq(deployments.id, id), inArray(deployments.status, from))).returning())[0];
    },
    /**
     * Names `replica` as the one sending a transferring deployment; with `previous`, only while the row still names
     * that one (a takeover). False when it was not (ended, or another replica took it meanwhile).
     */
    async holdTransfer(id: string, replica: string, previous?: string | null): Promise<boolean> {
      const from = previous === undefined ? undefined : previous === null ? isNull(deployments.transferReplica) : eq(deployments.transferReplica, previous);
      const rows = await db.update(deployments).set({ transferReplica: replica })
        .where(and(eq(deployments.id, id), eq(deployments.status, 'transferring'), from)).returning({ id: deployments.id });
      return rows.length > 0;
    },
    async update(id: string, patch: DeploymentPatch): Promise<void> {
      await db.update(deployments).set(patch).where(eq(deployments.id, id));
    },
    async forTarget(targetId: string, statuses: DeploymentState[]): Promise<DeploymentRow[]> {
      return (await db.select().from(deployments).where(and(eq(deployments.targetId, targetId), inArray(deployments.status, statuses)))
        .orderBy(asc(deployments.createdAt)));
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
      return (await db.select().from(deployments).where(and(eq(deployments.modelId, modelId), notInArray(deployments.status, ENDED_UNSUCCESSFUL))))[0];
    },
    /** The target's owner and name now (alerts go to whoever owns the controller). */
    async targetOwner(targetId: string): Promise<{ ownerId: string; name: string } | undefined> {
      return (await db.select({ ownerId: edgeTargets.ownerId, name: edgeTargets.name }).from(edgeTargets).where(eq(edgeTargets.id, targetId)))[0];
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      await db.update(deployments).set({ ownerId: toUserId }).where(eq(deployments.ownerId, fromUserId));
    },

    async insertScores(targetId: string, deploymentId: string, scores: EdgeScore[]): Promise<void> {
      if (scores.length === 0) return;
      await db.insert(edgeScores).values(scores.map((s) => ({ targetId, deploymentId, ts: s.ts, score: s.score, anomaly: s.anomaly, outOfRange: s.out_of_range === true })))
        .onConflictDoUpdate({
          target: [edgeScores.targetId, edgeScores.ts, edgeScores.deploymentId],
          set: { score: sql`excluded.score`, anomaly: sql`excluded.anomaly`, outOfRange: sql`excluded.out_of_range` },
        });
    },
    /** The newest `limit` scores after `since`, returned oldest first. */
    async listScores(targetId: string, since: number | undefined, limit: number): Promise<ScoreRow[]> {
      const where = since === undefined ? eq(edgeScores.targetId, targetId) : and(eq(edgeScores.targetId, targetId), gt(edgeScores.ts, since));
      return (await db.select().from(edgeScores).where(where).orderBy(desc(edgeScores.ts)).limit(limit)).reverse();
    },
    async pruneScores(before: number): Promise<number> {
      return (await db.delete(edgeScores).where(lt(edgeScores.ts, before)).returning({ ts: edgeScores.ts })).length;
    },

    /** Inserts or updates an agent's alert; `raisedNow` when this call first recorded it. */
    async upsertAlert(row: Omit<AlertRow, 'id'> & { id: string }, alert: Pick<EdgeAlertEvent, 'id' | 'state'>): Promise<{ row: AlertRow; raisedNow: boolean }> {
      return db.transaction(async (tx) => {
        // Claimed by the insert: a replica storing the same alert at once waits on the key, then updates it.
        const [inserted] = await tx.insert(edgeAlerts).values(row).onConflictDoNothing({ target: [edgeAlerts.targetId, edgeAlerts.agentAlertId] }).returning();
        if (inserted) return { row: inserted, raisedNow: true };
        // Read through a no-op UPDATE: it locks the row (PostgreSQL), so a concurrent resend waits and sees this one's result.
        const [existing] = await tx.update(edgeAlerts).set({ id: sql`${edgeAlerts.id}` })
          .where(and(eq(edgeAlerts.targetId, row.targetId), eq(edgeAlerts.agentAlertId, alert.id))).returning();
        if (!existing) throw new Error(`edge alert ${alert.id} of ${row.targetId} vanished while being stored`);
        // A late replay of `raised` never reopens a cleared alert.
        const cleared = existing.state === 'cleared' || alert.state === 'cleared';
        const updated = (await tx.update(edgeAlerts).set({
          state: cleared ? 'cleared' : 'raised', clearedAt: existing.clearedAt ?? row.clearedAt,
          peakScore: Math.max(existing.peakScore, row.peakScore), message: cleared && alert.state === 'raised' ? existing.message : row.message,
        }).where(eq(edgeAlerts.id, existing.id)).returning())[0];
        return { row: updated!, raisedNow: false };
      });
    },
    async listAlerts(targetId: string, state: AlertRow['state'] | undefined, limit: number, kind?: AlertRow['kind']): Promise<AlertRow[]> {
      const where = and(eq(edgeAlerts.targetId, targetId), state ? eq(edgeAlerts.state, state) : undefined, kind ? eq(edgeAlerts.kind, kind) : undefined);
      return db.select().from(edgeAlerts).where(where).orderBy(desc(edgeAlerts.raisedAt), desc(edgeAlerts.id)).limit(limit);
    },
  };
}

export type DeploymentsRepo = ReturnType<typeof createDeploymentsRepo>;
