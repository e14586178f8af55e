import type { ModelCompareResponse, ModelDetail, ModelSummary } from '@prometheus/protocol';
import type { ModelMetadata, TrainingResult } from '@prometheus/ml';
import { ownedOr404, visibleTo, type Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import { AppError, badRequest, notFound } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import { compareModels } from './compare.js';
import { modelFile, removeModelFiles, sweepModelFiles, writeModelFiles, type ModelFileKind } from './files.js';
import { downloadName, metricsOf, quantizationOf, toModelDetail, toModelSummary } from './present.js';
import type { ModelRow, ModelsRepo } from './repo.js';

/** Returns a reason to refuse deleting the model (e.g. "deployed to Warren AHU-1"), or undefined. */
export type ModelDeleteGuard = (modelId: string) => Promise<string | undefined> | string | undefined;

export interface RegisterModelInput {
  ownerId: string;
  name: string;
  datasetId: string;
  equipmentType: string;
  trainingRunId: string;
  result: TrainingResult;
}

/** Paths of a model's files and its metadata: what a deployment packages. */
export interface ModelArtifacts {
  modelId: string;
  axonml: string;
  axonml_int8: string;
  onnx: string;
  onnx_int8: string;
  /** metadata.json: ModelMetadata of @prometheus/ml plus `model_id`. */
  metadataFile: string;
  metadata: ModelMetadata;
}

export interface ModelsServiceDeps {
  repo: ModelsRepo;
  /** `<data dir>/models`. */
  root: string;
  clock: Clock;
  log: Logger;
}

export function createModelsService(deps: ModelsServiceDeps) {
  const { repo, root, clock } = deps;
  const deleteGuards: ModelDeleteGuard[] = [];

  async function visible(id: string, actor: Actor): Promise<ModelRow> {
    return ownedOr404(actor, await repo.findById(id), 'Model', id);
  }

  /** A finished run's model: files first (atomically), then the row; no row without files, no files without a row. */
  async function register(input: RegisterModelInput): Promise<ModelRow> {
    const { result } = input;
    const id = newId('mdl');
    const metadata = { model_id: id, ...result.model.metadata };
    const m = result.model;
    const files = await writeModelFiles(root, id, {
      axonml: m.axonml, axonml_int8: m.axonml_int8, onnx: m.onnx, onnx_int8: m.onnx_int8,
      metadata: new TextEncoder().encode(`${JSON.stringify(metadata, null, 2)}\n`),
    });
    try {
      return await repo.insert({
        id, ownerId: input.ownerId, name: input.name, architecture: m.metadata.architecture, equipmentType: input.equipmentType,
        datasetId: input.datasetId, trainingRunId: input.trainingRunId, parameters: m.num_parameters,
        metrics: metricsOf(result), metadata: m.metadata,
        quantization: quantizationOf(result), files, status: 'ready', createdAt: clock.now(),
      });
    } catch (err) {
      await removeModelFiles(root, id);
      throw err;
    }
  }

  return {
    register,
    setEvaluation: (modelId: string, evaluationId: string) => repo.setEvaluation(modelId, evaluationId),
    /** Deployments: refuse deleting a model in use. */
    addDeleteGuard(guard: ModelDeleteGuard): void {
      deleteGuards.push(guard);
    },

    async list(actor: Actor): Promise<ModelSummary[]> {
      return (await repo.list(visibleTo(actor))).map(toModelSummary);
    },
    async get(id: string, actor: Actor): Promise<ModelDetail> {
      return toModelDetail(await visible(id, actor), root);
    },
    /** The row itself (evaluations, deployments): 404 for another user's model. */
    row: visible,

    /** The file a download sends: `.axonml` by default, ONNX on request, either as int8. */
    async download(id: string, actor: Actor, format: 'axonml' | 'onnx', quantized: boolean): Promise<{ file: string; name: string; size: number }> {
      const row = await visible(id, actor);
      const kind = `${format}${quantized ? '_int8' : ''}` as ModelFileKind;
      return { file: modelFile(root, id, kind), name: downloadName(row, format, quantized), size: row.files[kind as keyof typeof row.files] };
    },

    async compare(id: string, otherId: string, actor: Actor): Promise<ModelCompareResponse> {
      if (id === otherId) throw badRequest("Invalid request body: 'compare_with' must name another model", `Both are ${id}`);
      return compareModels(await visible(id, actor), await visible(otherId, actor));
    },

    async delete(id: string, actor: Actor): Promise<void> {
      await visible(id, actor);
      for (const guard of deleteGuards) {
        const reason = await guard(id);
        if (reason) throw new AppError('CONFLICT', 'Model is in use', { details: reason });
      }
      // Row first (its evaluations cascade), then the files: a crash in between leaves an orphan directory
      // that the next start-up sweeps, never a row without files.
      await repo.delete(id);
      await removeModelFiles(root, id);
    },

    /** For deployments: where the model's files are and what the edge needs to run it. */
    async getArtifacts(modelId: string): Promise<ModelArtifacts> {
      const row = await repo.findById(modelId);
      if (!row) throw notFound('Model', modelId);
      const path = (kind: ModelFileKind) => modelFile(root, modelId, kind);
      return {
        modelId, axonml: path('axonml'), axonml_int8: path('axonml_int8'), onnx: path('onnx'), onnx_int8: path('onnx_int8'),
        metadataFile: path('metadata'), metadata: row.metadata,
      };
    },

    countByOwner: (ownerId: string) => repo.countByOwner(ownerId),
    countAll: () => repo.countAll(),

    /** users.addCleanup hook: a deleted user's models pass to the deleting admin. */
    handOver: (fromUserId: string, toUserId: string) => repo.reassignOwner(fromUserId, toUserId),

    /** Start-up: removes what an interrupted write or delete left on disk. */
    async sweep(): Promise<void> {
      const removed = await sweepModelFiles(root, await repo.allIds());
      if (removed.length > 0) deps.log.warn({ removed }, 'removed model files without a row');
    },
  };
}

export type ModelsService = ReturnType<typeof createModelsService>;
