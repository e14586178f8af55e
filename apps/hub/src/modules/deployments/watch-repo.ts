import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { deployments, edgeAlerts, edgeDriftHours, edgeShadowAlarms, edgeShadowScores } from '../../db/schema/index.js';

// SQL of watching models in the field: drift hours, shadow scores and alarms, promotions. Portable style
// (awaited builders, arrays from .returning(), onConflict* instead of INSERT OR ...), for SQLite and PostgreSQL.
export type DriftHourRow = typeof edgeDriftHours.$inferSelect;
export type ShadowScoreRow = typeof edgeShadowScores.$inferInsert;
export type ShadowAlarmRow = typeof edgeShadowAlarms.$inferSelect;

export interface ShadowAggregate {
  windows: number;
  agree: number;
  shadowAnomalous: number;
  liveAnomalous: number;
  sx: number;
  sy: number;
  sxx: number;
  syy: number;
  sxy: number;
  first: number | null;
  last: number | null;
  liveDeploymentId: string | null;
}

export function createWatchRepo(db: Db) {
  const num = (x: unknown) => Number(x ?? 0);
  return {
    /** Stores an hour once; false when that hour was already stored (a resend). */
    async insertDriftHour(row: DriftHourRow): Promise<boolean> {
      const inserted = await db.insert(edgeDriftHours).values(row).onConflictDoNothing().returning({ hour: edgeDriftHours.hourStart });
      return inserted.length > 0;
    },
    /** The newest `limit` hours in [from, to), oldest first. */
    async driftHours(targetId: string, from: number, to: number, limit: number): Promise<DriftHourRow[]> {
      const rows = await db.select().from(edgeDriftHours)
        .where(and(eq(edgeDriftHours.targetId, targetId), gte(edgeDriftHours.hourStart, from), lt(edgeDriftHours.hourStart, to)))
        .orderBy(desc(edgeDriftHours.hourStart), desc(edgeDriftHours.deploymentId)).limit(limit);
      return rows.reverse();
    },
    /** The open drift alert of a deployment on a target, if any. */
    async openDriftAlert(targetId: string, deploymentId: string) {
      const [row] = await db.select().from(edgeAlerts)
        .where(and(eq(edgeAlerts.targetId, targetId), eq(edgeAlerts.deploymentId, deploymentId), eq(edgeAlerts.kind, 'drift'), eq(edgeAlerts.state, 'raised')))
        .orderBy(desc(edgeAlerts.raisedAt)).limit(1);
      return row;
    },
    async insertDriftAlert(row: typeof edgeAlerts.$inferInsert): Promise<void> {
      await db.insert(edgeAlerts).values(row).onConflictDoNothing();
    },
    async updateAlert(id: string, patch: Partial<typeof edgeAlerts.$inferInsert>): Promise<void> {
      await db.update(edgeAlerts).set(patch).where(eq(edgeAlerts.id, id));
    },

    async insertShadowScores(rows: ShadowScoreRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db.insert(edgeShadowScores).values(rows).onConflictDoUpdate({
        target: [edgeShadowScores.deploymentId, edgeShadowScores.ts],
        set: { score: sql`excluded.score`, anomaly: sql`excluded.anomaly`, liveScore: sql`excluded.live_score`, liveAnomaly: sql`excluded.live_anomaly` },
      });
    },
    /** Sums over a shadow's paired windows: agreement, alarm rates and the terms of Pearson's r, in the database. */
    async shadowAggregate(deploymentId: string): Promise<ShadowAggregate> {
      const s = edgeShadowScores;
      const [row] = await db.select({
        windows: sql<number>`count(*)`,
        agree: sql<number>`sum(case when ${s.anomaly} = ${s.liveAnomaly} then 1 else 0 end)`,
        shadowAnomalous: sql<number>`sum(case when ${s.anomaly} then 1 else 0 end)`,
        liveAnomalous: sql<number>`sum(case when ${s.liveAnomaly} then 1 else 0 end)`,
        sx: sql<number>`sum(${s.liveScore})`, sy: sql<number>`sum(${s.score})`,
        sxx: sql<number>`sum(${s.liveScore} * ${s.liveScore})`, syy: sql<number>`sum(${s.score} * ${s.score})`, sxy: sql<number>`sum(${s.liveScore} * ${s.score})`,
        first: sql<number | null>`min(${s.ts})`, last: sql<number | null>`max(${s.ts})`, liveDeploymentId: sql<string | null>`max(${s.liveDeploymentId})`,
      }).from(s).where(eq(s.deploymentId, deploymentId));
      return {
        windows: num(row?.windows), agree: num(row?.agree), shadowAnomalous: num(row?.shadowAnomalous), liveAnomalous: num(row?.liveAnomalous),
        sx: num(row?.sx), sy: num(row?.sy), sxx: num(row?.sxx), syy: num(row?.syy), sxy: num(row?.sxy),
        first: row?.first === null || row?.first === undefined ? null : Number(row.first), last: row?.last === null || row?.last === undefined ? null : Number(row.last),
        liveDeploymentId: row?.liveDeploymentId ?? null,
      };
    },
    /** Inserts or updates a shadow alarm (a late `raised` never reopens a cleared one). */
    async upsertShadowAlarm(row: ShadowAlarmRow): Promise<void> {
      const t = edgeShadowAlarms;
      const [existing] = await db.select().from(t).where(and(eq(t.deploymentId, row.deploymentId), eq(t.agentAlarmId, row.agentAlarmId))).limit(1);
      if (!existing) return void (await db.insert(t).values(row).onConflictDoNothing());
      const cleared = existing.state === 'cleared' || row.state === 'cleared';
      await db.update(t).set({
        state: cleared ? 'cleared' : 'raised', clearedAt: existing.clearedAt ?? row.clearedAt, peakScore: Math.max(existing.peakScore, row.peakScore),
        message: existing.state === 'cleared' ? existing.message : row.message,
      }).where(and(eq(t.deploymentId, row.deploymentId), eq(t.agentAlarmId, row.agentAlarmId)));
    },
    async shadowAlarms(deploymentId: string, limit: number): Promise<ShadowAlarmRow[]> {
      return db.select().from(edgeShadowAlarms).where(eq(edgeShadowAlarms.deploymentId, deploymentId)).orderBy(desc(edgeShadowAlarms.raisedAt)).limit(limit);
    },
    async countShadowAlarms(deploymentId: string): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)` }).from(edgeShadowAlarms).where(eq(edgeShadowAlarms.deploymentId, deploymentId));
      return num(row?.n);
    },
    /** The live model's alerts (kind anomaly) raised on a target within [from, to]. */
    async countLiveAlarms(targetId: string, deploymentId: string, from: number, to: number): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)` }).from(edgeAlerts).where(and(
        eq(edgeAlerts.targetId, targetId), eq(edgeAlerts.deploymentId, deploymentId), eq(edgeAlerts.kind, 'anomaly'),
        gte(edgeAlerts.raisedAt, new Date(from)), lt(edgeAlerts.raisedAt, new Date(to + 1)),
      ));
      return num(row?.n);
    },
    /** Deployments of a target with a pending promotion. */
    async pendingPromotions(targetId: string) {
      const rows = await db.select().from(deployments).where(eq(deployments.targetId, targetId));
      return rows.filter((r) => r.promotion?.state === 'pending');
    },
  };
}

export type WatchRepo = ReturnType<typeof createWatchRepo>;
