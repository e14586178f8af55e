import { and, desc, eq, ne } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { evaluations } from '../../db/schema/index.js';

export type EvaluationRow = typeof evaluations.$inferSelect;
export type NewEvaluationRow = typeof evaluations.$inferInsert;
export type EvaluationPatch = Partial<Omit<NewEvaluationRow, 'id' | 'createdAt' | 'ownerId' | 'modelId'>>;

export function createEvaluationsRepo(db: Db) {
  return {
    async insert(row: NewEvaluationRow): Promise<EvaluationRow> {
      return (await db.insert(evaluations).values(row).returning())[0]!;
    },
    async findById(id: string): Promise<EvaluationRow | undefined> {
      return (await db.select().from(evaluations).where(eq(evaluations.id, id)))[0];
    },
    /** All evaluations, or one owner's, newest first. */
    async list(ownerId?: string): Promise<EvaluationRow[]> {
      const q = db.select().from(evaluations);
      return (ownerId ? q.where(eq(evaluations.ownerId, ownerId)) : q).orderBy(desc(evaluations.createdAt), desc(evaluations.id));
    },
    async update(id: string, patch: EvaluationPatch): Promise<EvaluationRow | undefined> {
      return (await db.update(evaluations).set(patch).where(eq(evaluations.id, id)).returning())[0];
    },
    /** Marks a Gradient review running unless one already is; false when one was (or no such row). */
    async claimGradient(id: string, at: Date): Promise<boolean> {
      return (await db.update(evaluations).set({ gradientStatus: 'running', gradientError: null, updatedAt: at })
        .where(and(eq(evaluations.id, id), ne(evaluations.gradientStatus, 'running'))).returning({ id: evaluations.id })).length === 1;
    },
    /** Start-up: reviews a previous process left running are failed (their work died with it). */
    async failRunningGradients(reason: string, at: Date): Promise<void> {
      await db.update(evaluations).set({ gradientStatus: 'failed', gradientError: reason, updatedAt: at }).where(eq(evaluations.gradientStatus, 'running'));
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      await db.update(evaluations).set({ ownerId: toUserId }).where(eq(evaluations.ownerId, fromUserId));
    },
  };
}

export type EvaluationsRepo = ReturnType<typeof createEvaluationsRepo>;
