import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { jsonText } from '../../db/portable.js';
import { edgeIngestState, edgeTargets } from '../../db/schema/index.js';

export type TargetRow = typeof edgeTargets.$inferSelect;
export type NewTargetRow = typeof edgeTargets.$inferInsert;
export type TargetWithIngest = TargetRow & { storedTotal: number; lostTotal: number };
export interface TagFilter { key: string; value: string }

const withIngest = {
  target: edgeTargets,
  storedTotal: sql<number>`coalesce(${edgeIngestState.storedTotal}, 0)`,
  lostTotal: sql<number>`coalesce(${edgeIngestState.lostTotal}, 0)`,
};

const flatten = (r: { target: TargetRow; storedTotal: number; lostTotal: number }): TargetWithIngest =>
  ({ ...r.target, storedTotal: r.storedTotal, lostTotal: r.lostTotal });

export function createFleetRepo(db: Db) {
  return {
    async insert(row: NewTargetRow): Promise<void> {
      await db.insert(edgeTargets).values(row);
    },
    async findById(id: string): Promise<TargetRow | undefined> {
      return (await db.select().from(edgeTargets).where(eq(edgeTargets.id, id)))[0];
    },
    async findWithIngest(id: string): Promise<TargetWithIngest | undefined> {
      const row = (await db.select(withIngest).from(edgeTargets)
        .leftJoin(edgeIngestState, eq(edgeIngestState.deviceId, edgeTargets.id)).where(eq(edgeTargets.id, id)))[0];
      return row ? flatten(row) : undefined;
    },
    /** Every target, or only one owner's; with tags, only those carrying every `key: value` given. */
    async list(ownerId?: string, tags: TagFilter[] = []): Promise<TargetWithIngest[]> {
      const conditions = [
        ...(ownerId ? [eq(edgeTargets.ownerId, ownerId)] : []),
        ...tags.map((t) => sql`${jsonText(db, edgeTargets.tags, t.key)} = ${t.value}`),
      ];
      return (await db.select(withIngest).from(edgeTargets).leftJoin(edgeIngestState, eq(edgeIngestState.deviceId, edgeTargets.id))
        .where(and(...conditions)).orderBy(edgeTargets.createdAt, edgeTargets.id)).map(flatten);
    },
    async findByEnrollmentHash(hash: string): Promise<TargetRow | undefined> {
      return (await db.select().from(edgeTargets).where(eq(edgeTargets.enrollmentTokenHash, hash)))[0];
    },
    /** Spends the enrollment token and stores the device secret; false when someone else spent it first. */
    async completeEnrollment(id: string, tokenHash: string, now: Date, set: Partial<NewTargetRow>): Promise<boolean> {
      return (await db.update(edgeTargets).set({ ...set, enrollmentTokenHash: null, enrollmentExpiresAt: null })
        .where(and(eq(edgeTargets.id, id), eq(edgeTargets.enrollmentTokenHash, tokenHash), gt(edgeTargets.enrollmentExpiresAt, now), isNull(edgeTargets.revokedAt)))
        .returning({ id: edgeTargets.id })).length === 1;
    },
    async update(id: string, set: Partial<NewTargetRow>): Promise<void> {
      await db.update(edgeTargets).set(set).where(eq(edgeTargets.id, id));
    },
    /** Hub start: no session survives a restart, so nobody is online until it reconnects. */
    async markAllOffline(): Promise<void> {
      await db.update(edgeTargets).set({ online: false }).where(eq(edgeTargets.online, true));
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      await db.update(edgeTargets).set({ ownerId: toUserId }).where(eq(edgeTargets.ownerId, fromUserId));
    },
  };
}

export type FleetRepo = ReturnType<typeof createFleetRepo>;
