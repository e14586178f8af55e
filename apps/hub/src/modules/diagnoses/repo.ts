import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { diagnoses, type DiagnosisResult } from '../../db/schema/index.js';

export type DiagnosisRow = typeof diagnoses.$inferSelect;
export type NewDiagnosisRow = typeof diagnoses.$inferInsert;

export function createDiagnosesRepo(db: Db) {
  return {
    async insert(row: NewDiagnosisRow): Promise<void> {
      await db.insert(diagnoses).values(row);
    },
    async findById(id: string): Promise<DiagnosisRow | undefined> {
      return (await db.select().from(diagnoses).where(eq(diagnoses.id, id)))[0];
    },
    /** A dataset's diagnoses, newest first. */
    async listByDataset(datasetId: string): Promise<DiagnosisRow[]> {
      return (await db.select().from(diagnoses).where(eq(diagnoses.datasetId, datasetId)).orderBy(desc(diagnoses.createdAt), desc(diagnoses.id)));
    },
    /** `inputs`: what was read in the end (a mapped column holding no numbers is no input). */
    async complete(id: string, result: DiagnosisResult, inputs: DiagnosisRow['inputs'], at: Date): Promise<void> {
      await db.update(diagnoses).set({ status: 'completed', result, inputs, completedAt: at }).where(eq(diagnoses.id, id));
    },
    async fail(id: string, error: string, at: Date): Promise<void> {
      await db.update(diagnoses).set({ status: 'failed', error, completedAt: at }).where(eq(diagnoses.id, id));
    },
    /** Start-up: diagnoses a previous process left running died with it. */
    async failRunning(error: string, at: Date): Promise<number> {
      return (await db.update(diagnoses).set({ status: 'failed', error, completedAt: at }).where(eq(diagnoses.status, 'running')).returning({ id: diagnoses.id })).length;
    },
  };
}

export type DiagnosesRepo = ReturnType<typeof createDiagnosesRepo>;
