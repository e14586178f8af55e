import type { PointRole } from '@prometheus/afdd';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { datasetPointMaps, targetPointMaps } from '../../db/schema/index.js';

export interface StoredPointMap {
  points: PointRole[];
  updatedBy: string;
  updatedAt: Date;
}

/** Confirmed point maps of datasets and of edge targets; one row each, replaced whole. */
export function createPointsRepo(db: Db) {
  return {
    async findForDataset(datasetId: string): Promise<StoredPointMap | undefined> {
      return (await db.select().from(datasetPointMaps).where(eq(datasetPointMaps.datasetId, datasetId)))[0];
    },
    async saveForDataset(datasetId: string, map: StoredPointMap): Promise<void> {
      (await db.insert(datasetPointMaps).values({ datasetId, ...map })
        .onConflictDoUpdate({ target: datasetPointMaps.datasetId, set: map }));
    },
    async findForTarget(targetId: string): Promise<StoredPointMap | undefined> {
      return (await db.select().from(targetPointMaps).where(eq(targetPointMaps.targetId, targetId)))[0];
    },
    async saveForTarget(targetId: string, map: StoredPointMap): Promise<void> {
      (await db.insert(targetPointMaps).values({ targetId, ...map })
        .onConflictDoUpdate({ target: targetPointMaps.targetId, set: map }));
    },
  };
}

export type PointsRepo = ReturnType<typeof createPointsRepo>;
