import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { datasets, users } from '../../db/schema/index.js';

export type DatasetRow = typeof datasets.$inferSelect;
export type NewDatasetRow = typeof datasets.$inferInsert;
export type DatasetPatch = Partial<Omit<NewDatasetRow, 'id' | 'createdAt'>>;

export interface DatasetWithOwner extends DatasetRow {
  ownerName: string;
}

export function createDatasetsRepo(db: Db) {
  const withOwner = () =>
    db.select({ ds: datasets, ownerName: users.username }).from(datasets).innerJoin(users, eq(users.id, datasets.ownerId));
  const flatten = (r: { ds: DatasetRow; ownerName: string }): DatasetWithOwner => ({ ...r.ds, ownerName: r.ownerName });

  return {
    async insert(row: NewDatasetRow): Promise<DatasetRow> {
      return db.insert(datasets).values(row).returning().get();
    },
    async findById(id: string): Promise<DatasetWithOwner | undefined> {
      const row = withOwner().where(eq(datasets.id, id)).get();
      return row && flatten(row);
    },
    async findBySourceRef(source: string, ref: string): Promise<DatasetRow | undefined> {
      return db.select().from(datasets).where(and(eq(datasets.source, source), eq(datasets.sourceRef, ref))).get();
    },
    /** All datasets, or one owner's, newest first. */
    async list(ownerId?: string): Promise<DatasetWithOwner[]> {
      const q = withOwner();
      const rows = (ownerId ? q.where(eq(datasets.ownerId, ownerId)) : q).orderBy(desc(datasets.createdAt)).all();
      return rows.map(flatten);
    },
    /** Every edge dataset (start-up recovery of their files). */
    async listEdge(): Promise<DatasetRow[]> {
      return db.select().from(datasets).where(eq(datasets.source, 'edge')).all();
    },
    async countByOwner(ownerId: string): Promise<number> {
      return db.$count(datasets, eq(datasets.ownerId, ownerId));
    },
    async update(id: string, patch: DatasetPatch): Promise<DatasetRow | undefined> {
      return db.update(datasets).set(patch).where(eq(datasets.id, id)).returning().get();
    },
    async delete(id: string): Promise<boolean> {
      return db.delete(datasets).where(eq(datasets.id, id)).run().changes > 0;
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      db.update(datasets).set({ ownerId: toUserId }).where(eq(datasets.ownerId, fromUserId)).run();
    },
  };
}

export type DatasetsRepo = ReturnType<typeof createDatasetsRepo>;
