import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { models } from '../../db/schema/index.js';

export type ModelRow = typeof models.$inferSelect;
export type NewModelRow = typeof models.$inferInsert;

export function createModelsRepo(db: Db) {
  return {
    async insert(row: NewModelRow): Promise<ModelRow> {
      return (await db.insert(models).values(row).returning())[0]!;
    },
    async findById(id: string): Promise<ModelRow | undefined> {
      return (await db.select().from(models).where(eq(models.id, id)))[0];
    },
    /** All models, or one owner's, newest first. */
    async list(ownerId?: string): Promise<ModelRow[]> {
      const q = db.select().from(models);
      return (ownerId ? q.where(eq(models.ownerId, ownerId)) : q).orderBy(desc(models.createdAt), desc(models.id));
    },
    async allIds(): Promise<Set<string>> {
      return new Set((await db.select({ id: models.id }).from(models)).map((r) => r.id));
    },
    async countByOwner(ownerId: string): Promise<number> {
      return db.$count(models, eq(models.ownerId, ownerId));
    },
    async countAll(): Promise<number> {
      return db.$count(models);
    },
    async setEvaluation(id: string, evaluationId: string): Promise<void> {
      await db.update(models).set({ evaluationId }).where(eq(models.id, id));
    },
    async delete(id: string): Promise<boolean> {
      return (await db.delete(models).where(eq(models.id, id)).returning({ id: models.id })).length > 0;
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      await db.update(models).set({ ownerId: toUserId }).where(eq(models.ownerId, fromUserId));
    },
  };
}

export type ModelsRepo = ReturnType<typeof createModelsRepo>;
