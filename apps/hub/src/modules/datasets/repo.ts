import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { datasets, users } from '../../db/schema/index.js';

export type DatasetRow = typeof datasets.$inferSelect;
export type NewDatasetRow = typeof datasets.$inferInsert;
export type DatasetPatch = Partial<Omit<NewDatasetRow, 'id' | 'createdAt'>>;

export interface DatasetWithOwner extends DatasetRow {
  ownerName: string;
}

/** What a list shows of a dataset: no stats (a wide dataset's run to megabytes). */
export type DatasetListRow = Pick<DatasetWithOwner, 'id' | 'name' | 'equipmentType' | 'location' | 'unit' | 'source' | 'targetName'
  | 'rowCount' | 'columns' | 'fileSizeBytes' | 'isValidated' | 'locked' | 'createdAt' | 'ownerName'>;

export function createDatasetsRepo(db: Db) {
  const withOwner = () =>
    db.select({ ds: datasets, ownerName: users.username }).from(datasets).innerJoin(users, eq(users.id, datasets.ownerId));
  const flatten = (r: { ds: DatasetRow; ownerName: string }): DatasetWithOwner => ({ ...r.ds, ownerName: r.ownerName });
  // The list is the hot read of the console and the API.
  const listed = {
    id: datasets.id, name: datasets.name, equipmentType: datasets.equipmentType, location: datasets.location, unit: datasets.unit,
    source: datasets.source, targetName: datasets.targetName, rowCount: datasets.rowCount, columns: datasets.columns,
    fileSizeBytes: datasets.fileSizeBytes, isValidated: datasets.isValidated, locked: datasets.locked, createdAt: datasets.createdAt,
    ownerName: users.username,
  };
  const listFrom = () => db.select(listed).from(datasets).innerJoin(users, eq(users.id, datasets.ownerId));
  // Every write to the table goes through this repo and counts here, so a list kept above it knows when it is stale.
  let writes = 0;
  const wrote = <T>(result: T): T => {
    writes += 1;
    return result;
  };

  return {
    async insert(row: NewDatasetRow): Promise<DatasetRow> {
      return wrote((await db.insert(datasets).values(row).returning())[0]!);
    },
    async findById(id: string): Promise<DatasetWithOwner | undefined> {
      const [row] = await withOwner().where(eq(datasets.id, id));
      return row && flatten(row);
    },
    async findBySourceRef(source: string, ref: string): Promise<DatasetRow | undefined> {
      return (await db.select().from(datasets).where(and(eq(datasets.source, source), eq(datasets.sourceRef, ref))))[0];
    },
    /** How many writes the table has had (in this process): a changed count means a kept list is stale. */
    writeCount: (): number => writes,
    /** All datasets, or one owner's, newest first. */
    async list(ownerId?: string): Promise<DatasetListRow[]> {
      const q = listFrom();
      return (ownerId === undefined ? q : q.where(eq(datasets.ownerId, ownerId))).orderBy(desc(datasets.createdAt), desc(datasets.id));
    },
    /** Every edge dataset (start-up recovery of their files). */
    async listEdge(): Promise<DatasetRow[]> {
      return (await db.select().from(datasets).where(eq(datasets.source, 'edge')));
    },
    async countByOwner(ownerId: string): Promise<number> {
      return db.$count(datasets, eq(datasets.ownerId, ownerId));
    },
    async update(id: string, patch: DatasetPatch): Promise<DatasetRow | undefined> {
      return wrote((await db.update(datasets).set(patch).where(eq(datasets.id, id)).returning())[0]);
    },
    async delete(id: string): Promise<boolean> {
      return wrote((await db.delete(datasets).where(eq(datasets.id, id)).returning({ id: datasets.id })).length > 0);
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      wrote((await db.update(datasets).set({ ownerId: toUserId }).where(eq(datasets.ownerId, fromUserId))));
    },
  };
}

export type DatasetsRepo = ReturnType<typeof createDatasetsRepo>;
