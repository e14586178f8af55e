import fs from 'node:fs';
import type { DatasetDetail, DatasetSummary, Recommendation } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import { visibleTo, type Actor } from '../../access.js';
import { filesOf, toDetail, toSummary, visibleDataset, type DatasetsContext, type DatasetsSettings } from './context.js';
import { createFromFile, type CreateCheck, type CreateDatasetInput } from './create.js';
import { appendReadings, ensureEdgeDataset, settleEdgeDataset, type EdgeDatasetRequest, type Reading } from './edge.js';
import type { DatasetEngine } from './engine.js';
import { createKeyedLock, type KeyedLock } from '../../keyed-lock.js';
import { exportFile, loadForTraining, medianIntervalMs, previewDataset, type TrainingData } from './read.js';
import { recommend } from './recommend.js';
import type { DatasetsRepo } from './repo.js';
import { removeDir } from './storage.js';
import { unlockDataset, validateDataset } from './validate.js';

/** Returns a reason to refuse deleting the dataset (e.g. "used by training run tr_x"), or undefined. */
export type DeleteGuard = (datasetId: string) => Promise<string | undefined> | string | undefined;

export interface DatasetsServiceDeps {
  repo: DatasetsRepo;
  engine: DatasetEngine;
  clock: Clock;
  root: string;
  tmpDir: string;
  settings: DatasetsSettings;
  /** Keep each owner's list between writes (one process: this repo sees every write). False with replicas. */
  keepLists?: boolean;
  /** One operation per dataset at a time: in memory for one process, the cluster's lock for replicas. */
  lock?: KeyedLock;
}

export function createDatasetsService(deps: DatasetsServiceDeps) {
  // Per dataset: on every replica when they share the store (the files are on the shared volume too).
  const ctx: DatasetsContext = { ...deps, lock: deps.lock ?? createKeyedLock() };
  const createChecks: CreateCheck[] = [];
  const deleteGuards: DeleteGuard[] = [];
  interface KeptList { writes: number; list: DatasetSummary[]; json?: string }
  const lists = new Map<string, KeptList>();
  async function keptList(actor: Actor): Promise<KeptList> {
    const owner = visibleTo(actor);
    const writes = deps.repo.writeCount();
    const kept = lists.get(owner ?? '*');
    // With replicas another process writes the table unseen by this repo's count: read afresh every time.
    if (kept?.writes === writes && deps.keepLists !== false) return kept;
    const fresh: KeptList = { writes, list: (await deps.repo.list(owner)).map(toSummary) };
    if (lists.size >= 1000) lists.clear();
    lists.set(owner ?? '*', fresh);
    return fresh;
  }

  /** Removes leftovers of uploads interrupted by a crash (tmp files older than an hour). */
  function sweepTmp(): void {
    const cutoff = deps.clock.now().getTime() - 3_600_000;
    for (const name of fs.existsSync(deps.tmpDir) ? fs.readdirSync(deps.tmpDir) : []) {
      if (!/^(upload|import|export)-/.test(name)) continue;
      const file = `${deps.tmpDir}/${name}`;
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    }
  }

  return {
    settings: deps.settings,
    tmpDir: deps.tmpDir,
    /** Billing: refuse a create (count or size over the tier). Runs on every create path. */
    addCreateCheck(check: CreateCheck): void {
      createChecks.push(check);
    },
    /** Training: refuse deleting a dataset a run uses. */
    addDeleteGuard(guard: DeleteGuard): void {
      deleteGuards.push(guard);
    },

    /** Uploads and connector imports: the file becomes a dataset with stats (or a 400 naming the line). */
    createFromFile: (input: CreateDatasetInput): Promise<DatasetDetail> => createFromFile(ctx, createChecks, input),

    /** The list is read far more often than datasets change: kept per owner until the table's next write. */
    async list(actor: Actor): Promise<DatasetSummary[]> {
      return (await keptList(actor)).list;
    },
    /** The same list as JSON text, serialized once per change (what the route sends). */
    async listJson(actor: Actor): Promise<string> {
      const kept = await keptList(actor);
      kept.json ??= JSON.stringify(kept.list);
      return kept.json;
    },
    async get(id: string, actor: Actor): Promise<DatasetDetail> {
      return toDetail(await visibleDataset(ctx, id, actor));
    },
    preview: (id: string, actor: Actor, q: Parameters<typeof previewDataset>[3]) => previewDataset(ctx, id, actor, q),
    exportFile: (id: string, actor: Actor) => exportFile(ctx, id, actor),
    validate: (id: string, actor: Actor, tolerancePercent?: number) => validateDataset(ctx, id, actor, tolerancePercent),
    unlock: (id: string, actor: Actor) => unlockDataset(ctx, id, actor),
    loadForTraining: (id: string, actor: Actor, only?: readonly string[]): Promise<TrainingData> => loadForTraining(ctx, id, actor, only),

    async recommend(id: string, actor: Actor): Promise<Recommendation[]> {
      const ds = await visibleDataset(ctx, id, actor);
      return recommend({ ...ds, intervalMs: await medianIntervalMs(ctx, ds) });
    },

    async delete(id: string, actor: Actor): Promise<void> {
      await visibleDataset(ctx, id, actor);
      await ctx.lock(id, async () => {
        const ds = await visibleDataset(ctx, id, actor);
        if (ds.locked) throw new AppError('CONFLICT', 'Dataset is locked', { details: 'Unlock it before deleting' });
        for (const guard of deleteGuards) {
          const reason = await guard(id);
          if (reason) throw new AppError('CONFLICT', 'Dataset is in use', { details: reason });
        }
        await deps.repo.delete(id);
        removeDir(filesOf(ctx, id).dir);
      });
    },

    ensureEdgeDataset: (req: EdgeDatasetRequest): Promise<string> => ensureEdgeDataset(ctx, req),
    appendReadings: (datasetId: string, readings: Reading[]): Promise<void> => appendReadings(ctx, datasetId, readings),

    /** users.addCleanup hook: a deleted user's datasets pass to the deleting admin. */
    async handOver(fromUserId: string, toUserId: string): Promise<void> {
      await deps.repo.reassignOwner(fromUserId, toUserId);
    },

    /** Hub start: edge files back to what their rows committed (a crash may have left a torn append), then the tmp sweep. */
    async start(): Promise<void> {
      for (const { id } of await deps.repo.listEdge()) {
        await ctx.lock(id, async () => {
          const ds = await deps.repo.findById(id);
          // A file that cannot be settled (missing, shorter than committed) fails its next append loudly instead.
          if (ds) settleEdgeDataset(ctx, ds);
        }).catch(() => undefined);
      }
      sweepTmp();
    },

    sweepTmp,
  };
}

export type DatasetsService = ReturnType<typeof createDatasetsService>;
export type { TrainingData, Reading, EdgeDatasetRequest, CreateCheck };
