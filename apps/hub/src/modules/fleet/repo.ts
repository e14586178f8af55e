import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
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
      db.insert(edgeTargets).values(row).run();
    },
    async findById(id: string): Promise<TargetRow | undefined> {
      return db.select().from(edgeTargets).where(eq(edgeTargets.id, id)).get();
    },
    async findWithIngest(id: string): Promise<TargetWithIngest | undefined> {
      const row = db.select(withIngest).from(edgeTargets)
        .leftJoin(edgeIngestState, eq(edgeIngestState.deviceId, edgeTargets.id)).where(eq(edgeTargets.id, id)).get();
      return row ? flatten(row) : undefined;
    },
    /** Every target, or only one owner's; with tags, only those carrying every `key: value` given. */
    async list(ownerId?: string, tags: TagFilter[] = []): Promise<TargetWithIngest[]> {
      const conditions = [
        ...(ownerId ? [eq(edgeTargets.ownerId, ownerId)] : []),
        // Keys are restricted to letters, digits and `_.-` (protocol TargetTagKey), so the quoted JSON path is safe.
        ...tags.map((t) => sql`json_extract(${edgeTargets.tags}, ${`$."${t.key}"`}) = ${t.value}`),
      ];
      return db.select(withIngest).from(edgeTargets).leftJoin(edgeIngestState, eq(edgeIngestState.deviceId, edgeTargets.id))
        .where(and(...conditions)).orderBy(edgeTargets.createdAt).all().map(flatten);
    },
    async findByEnrollmentHash(hash: string): Promise<TargetRow | undefined> {
      return db.select().from(edgeTargets).where(eq(edgeTargets.enrollmentTokenHash, hash)).get();
    },
    /** Spends the enrollment token and stores the device secret; false when someone else spent it first. */
    async completeEnrollment(id: string, tokenHash: string, set: Partial<NewTargetRow>): Promise<boolean> {
      return db.update(edgeTargets).set({ ...set, enrollmentTokenHash: null, enrollmentExpiresAt: null })
        .where(and(eq(edgeTargets.id, id), eq(edgeTargets.enrollmentTokenHash, tokenHash), isNull(edgeTargets.revokedAt)))
        .run().changes === 1;
    },
    async update(id: string, set: Partial<NewTargetRow>): Promise<void> {
      db.update(edgeTargets).set(set).where(eq(edgeTargets.id, id)).run();
    },
    /** Hub start: no session survives a restart, so nobody is online until it reconnects. */
    async markAllOffline(): Promise<void> {
      db.update(edgeTargets).set({ online: false }).where(eq(edgeTargets.online, true)).run();
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      db.update(edgeTargets).set({ ownerId: toUserId }).where(eq(edgeTargets.ownerId, fromUserId)).run();
    },
  };
}

export type FleetRepo = ReturnType<typeof createFleetRepo>;
