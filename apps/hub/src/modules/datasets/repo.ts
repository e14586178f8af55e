import { and, desc, eq, sql } from 'drizzle-orm';
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
  // The list is the hot read of the console and the API: its statements are built and prepared once.
  const listed = {
    id: datasets.id, name: datasets.name, equipmentType: datasets.equipmentType, location: datasets.location, unit: datasets.unit,
    source: datasets.source, targetName: datasets.targetName, rowCount: datasets.rowCount, columns: datasets.columns,
    fileSizeBytes: datasets.fileSizeBytes, isValidated: datasets.isValidated, locked: datasets.locked, createdAt: datasets.createdAt,
    ownerName: users.username,
  };
  const listFrom = () => db.select(listed).from(datasets).innerJoin(users, eq(users.id, datasets.ownerId));
  const listAll = listFrom().orderBy(desc(datasets.createdAt)).prepare();
  const listOwned = listFrom().where(eq(datasets.ownerId, sql.placeholder('ownerId'))).orderBy(desc(datasets.createdAt)).prepare();
  // Every write to the table goes through this repo and counts here, so a list kept above it knows when it is stale.
  let writes = 0;
  const wrote = <T>(result: T): T => {
    writes += 1;
    return result;
  };

  return {
    async insert(row: NewDatasetRow): Promise<DatasetRow> {
      return wrote(db.insert(datasets).values(row).returning().get());
    },
    async findById(id: string): Promise<DatasetWithOwner | undefined> {
      const row = withOwner().where(eq(datasets.id, id)).get();
      return row && flatten(row);
    },
    async findBySourceRef(source: string, ref: string): Promise<DatasetRow | undefined> {
      return db.select().from(datasets).where(and(eq(datasets.source, source), eq(datasets.sourceRef, ref))).get();
    },
    /** How many writes the table has had (in this process): a changed count means a kept list is stale. */
    writeCount: (): number => writes,
    /** All datasets, or one owner's, newest first. */
    async list(ownerId?: string): Promise<DatasetListRow[]> {
      return ownerId === undefined ? listAll.all() : listOwned.all({ ownerId });
    },
    /** Every edge dataset (start-up recovery of their files). */
    async listEdge(): Promise<DatasetRow[]> {
      return db.select().from(datasets).where(eq(datasets.source, 'edge')).all();
    },
    async countByOwner(ownerId: string): Promise<number> {
      return db.$count(datasets, eq(datasets.ownerId, ownerId));
    },
    async update(id: string, patch: DatasetPatch): Promise<DatasetRow | undefined> {
      return wrote(db.update(datasets).set(patch).where(eq(datasets.id, id)).returning().get());
    },
    async delete(id: string): Promise<boolean> {
      return wrote(db.delete(datasets).where(eq(datasets.id, id)).run().changes > 0);
    },
    async reassignOwner(fromUserId: string, toUserId: string): Promise<void> {
      wrote(db.update(datasets).set({ ownerId: toUserId }).where(eq(datasets.ownerId, fromUserId)).run());
    },
  };
}

export type DatasetsRepo = ReturnType<typeof createDatasetsRepo>;
