import fs from 'node:fs/promises';
import type { AlarmEpisode, EvaluationCreateRequest, EvaluationDetail, EvaluationMetrics, EvaluationSummary, GradientStartResponse, TrainingCurves } from '@prometheus/protocol';
import { decodeAxonml, findLabelColumn, type ClassificationMetrics, type TrainingResult, type TrainingTable } from '@prometheus/ml/core';
import { ownedOr404, visibleTo, type Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import type { StoredFigures } from '../../db/schema/evaluations.js';
import { AppError, badRequest } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { Llm } from '../agent/llm.js';
import type { Limits } from '../billing/limits.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { ModelsService } from '../models/models-service.js';
import type { AlarmAnnotation } from '../diagnoses/alarm-rules.js';
import type { ModelRow } from '../models/repo.js';
import { numericColumns, toTrainingTable } from '../training/table.js';
import { createGradientReviewer } from './gradient.js';
import type { EvaluationJob, EvaluationOutcome } from './evaluate-table.js';
import { curvesOf, NO_COMPARISON, toEvaluationDetail, toEvaluationSummary, trainingFigures, type Comparison } from './present.js';
import type { EvaluationRow, EvaluationsRepo } from './repo.js';
import { createScorer } from './scorer.js';

export interface EvaluationsServiceDeps {
  repo: EvaluationsRepo;
  models: Pick<ModelsService, 'row' | 'getArtifacts'>;
  datasets: Pick<DatasetsService, 'get' | 'loadForTraining'>;
  limits: Pick<Limits, 'assertTokens' | 'charge'>;
  /** The agent's OpenAI-compatible client when AGENT_API_URL/AGENT_MODEL are set; else the local reviewer answers. */
  llm: Pick<Llm, 'callTool' | 'model'> | undefined;
  clock: Clock;
  log: Logger;
  /** Diagnoses: fills each alarm's `rules` from the dataset's point map, over the rows from `from` on (all without it). */
  alarmRules?: (datasetId: string, actor: Actor, alarms: AlarmEpisode[], options?: { from?: number }) => Promise<AlarmAnnotation>;
}

/** A model's alarms over a dataset, for a diagnosis (fault_condition "model" episodes). */
export interface ModelAlarms {
  model_id: string;
  threshold: number;
  persistence_minutes: number;
  windows: number;
  out_of_range_windows: number;
  alarms: AlarmEpisode[];
}

const metricsOf = (m: ClassificationMetrics, valLoss: number, threshold: number | null): EvaluationMetrics => ({
  accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, auc_roc: m.auc_roc, val_loss: valLoss, reconstruction_error_threshold: threshold,
});

const comparisonOf = (o: EvaluationOutcome): Comparison => ({
  baseline: o.baseline?.baseline ?? null, baseline_roc_curve: o.figures.baseline_roc_curve, alarms: o.alarms.alarms, alarm_episodes: o.alarms.total,
});

export function createEvaluationsService(deps: EvaluationsServiceDeps) {
  const { repo, clock } = deps;
  const scorer = createScorer({ idleMs: 60_000 });
  const reviewer = createGradientReviewer({ repo, llm: deps.llm, limits: deps.limits, clock, log: deps.log });
  const ready = repo.failRunningGradients('hub restarted during the review', clock.now());

  async function visible(id: string, actor: Actor): Promise<EvaluationRow> {
    return ownedOr404(actor, await repo.findById(id), 'Evaluation', id);
  }

  /** Scores a job and logs why the baseline is missing when it is (the evaluation still stands without it). */
  async function score(job: EvaluationJob, modelId: string): Promise<EvaluationOutcome> {
    const outcome = await scorer.score(job);
    if (outcome.baselineError) deps.log.warn({ modelId, reason: outcome.baselineError }, 'evaluation without its PCA baseline');
    return outcome;
  }

  /**
   * Each alarm with the rules that fired during it, and `rules_status` saying why the lists are empty when they
   * are; a failed run leaves them empty with 'failed' (logged; the evaluation stands).
   */
  async function withRules(comparison: Comparison, datasetId: string, actor: Actor, from?: number): Promise<Comparison> {
    if (!deps.alarmRules || !comparison.alarms) return comparison;
    try {
      const annotated = await deps.alarmRules(datasetId, actor, comparison.alarms, { from });
      return { ...comparison, ...annotated };
    } catch (err) {
      deps.log.warn({ err, datasetId }, 'alarms without the rules that fired');
      return { ...comparison, rules_status: 'failed', skipped_rules: null };
    }
  }

  /**
   * The baseline and alarms of the training evaluation: the validation windows scored again in the worker,
   * the baseline fitted on the run's training rows. A failure leaves them null rather than failing the run.
   */
  async function trainingComparison(input: { ownerId: string; modelId: string; datasetId: string; result: TrainingResult; table?: TrainingTable }): Promise<Comparison> {
    const { table, result } = input;
    if (!table) return NO_COMPARISON;
    const meta = result.model.metadata;
    const n = table.timestamps.length;
    const split = Math.min(n, Math.max(0, Math.round(n * (1 - meta.hyperparameters.validation_split))));
    let comparison: Comparison;
    try {
      comparison = comparisonOf(await score({
        model: { metadata: meta, weights: result.model.weights }, table, trainingTable: table, labelColumn: meta.label_column,
        stride: meta.hyperparameters.stride, smoothing: 1, ranges: [[split, n]],
      }, input.modelId));
    } catch (err) {
      deps.log.warn({ err, modelId: input.modelId }, 'training evaluation without its PCA baseline and alarms');
      return NO_COMPARISON;
    }
    // The rules run over the validation rows, as the windows were scored.
    const from = table.timestamps[split];
    return withRules(comparison, input.datasetId, { id: input.ownerId, role: 'admin' }, from !== undefined && Number.isFinite(from) ? from : undefined);
  }

  /** When training ends: the validation-window figures the run measured, stored as the model's evaluation. */
  async function fromTraining(input: { ownerId: string; modelId: string; datasetId: string; result: TrainingResult; rows: number; table?: TrainingTable }): Promise<EvaluationRow> {
    const { result } = input;
    const comparison = await trainingComparison(input);
    const now = clock.now();
    return repo.insert({
      id: newId('eval'), ownerId: input.ownerId, modelId: input.modelId, datasetId: input.datasetId, kind: 'training',
      metrics: metricsOf(result.metrics, result.best_val_loss, result.metrics.reconstruction_error_threshold),
      confusionMatrix: result.metrics.confusion_matrix,
      figures: trainingFigures(result, input.rows, comparison), windows: result.metrics.count,
      trainingCurves: curvesOf(result), createdAt: now, updatedAt: now,
    });
  }

  /** The model's training curves, from its training evaluation. */
  async function curvesOfModel(evaluationId: string | null): Promise<TrainingCurves> {
    const row = evaluationId ? await repo.findById(evaluationId) : undefined;
    return row?.trainingCurves ?? { epochs: [], train_loss: [], val_loss: [] };
  }

  /** The rows the model trained on (its training dataset), or null when that dataset is gone. */
  async function trainingTableOf(model: ModelRow, evaluated: { id: string; table: TrainingTable }): Promise<TrainingTable | null> {
    if (model.datasetId === evaluated.id) return evaluated.table;
    try {
      return toTrainingTable(await deps.datasets.loadForTraining(model.datasetId, { id: model.ownerId, role: 'admin' }));
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  /** 400 when the dataset lacks a feature column of the model (`field` names the request's field). */
  function assertFeatures(meta: ModelRow['metadata'], columns: string[], field: string): void {
    const absent = meta.feature_columns.filter((f) => !columns.includes(f));
    if (absent.length > 0) {
      throw badRequest(`Invalid request body: '${field}' lacks the model's feature columns`, `Missing numeric columns: ${absent.join(', ')}`);
    }
  }

  /**
   * A diagnosis's model part: every alarm of the model over a dataset (its threshold and persistence; windows
   * outside its envelope left out), with the features carrying each. The evaluation's own scoring, not stored.
   */
  async function modelAlarms(actor: Actor, modelId: string, datasetId: string): Promise<ModelAlarms> {
    const model = await deps.models.row(modelId, actor);
    const dataset = await deps.datasets.get(datasetId, actor);
    assertFeatures(model.metadata, numericColumns(dataset), 'model_id');
    const table = toTrainingTable(await deps.datasets.loadForTraining(dataset.id, actor));
    const weights = decodeAxonml(await fs.readFile((await deps.models.getArtifacts(model.id)).axonml)).weights;
    const outcome = await score({ model: { metadata: model.metadata, weights }, table, trainingTable: null, labelColumn: null, stride: 1, smoothing: null, alarmCap: Number.POSITIVE_INFINITY }, model.id);
    return {
      model_id: model.id, threshold: model.metadata.threshold, persistence_minutes: outcome.persistenceMinutes,
      windows: outcome.windows, out_of_range_windows: outcome.outOfRangeWindows, alarms: outcome.alarms.alarms,
    };
  }

  async function evaluate(actor: Actor, req: EvaluationCreateRequest): Promise<EvaluationDetail> {
    const model = await deps.models.row(req.model_id, actor);
    const dataset = await deps.datasets.get(req.dataset_id, actor);
    const meta = model.metadata;
    const columns = numericColumns(dataset);
    assertFeatures(meta, columns, 'dataset_id');
    const found = meta.label_column !== null && columns.includes(meta.label_column) ? meta.label_column : findLabelColumn(columns);
    const labelColumn = found !== null && !meta.feature_columns.includes(found) ? found : null;
    const table = toTrainingTable(await deps.datasets.loadForTraining(dataset.id, actor));
    const weights = decodeAxonml(await fs.readFile((await deps.models.getArtifacts(model.id)).axonml)).weights;
    const stride = req.stride ?? 1;
    // Without `smoothing_windows` the model's own persistence applies, as on the edge.
    const smoothing = req.smoothing_windows ?? null;
    const trainingTable = await trainingTableOf(model, { id: dataset.id, table });
    const outcome = await score({ model: { metadata: meta, weights }, table, trainingTable, labelColumn, stride, smoothing }, model.id)
      .catch((err: unknown) => {
        throw new AppError('BAD_REQUEST', 'The dataset could not be scored with this model', { details: (err as Error).message, cause: err });
      });
    const figures: StoredFigures = {
      ...outcome.figures, threshold: meta.threshold, positives: outcome.metrics.positives, stride, smoothing_windows: smoothing ?? 1,
      persistence_minutes: outcome.persistenceMinutes, out_of_range_windows: outcome.outOfRangeWindows,
      quantization: { f1_delta: model.quantization.f1_delta, auc_roc_delta: model.quantization.auc_roc_delta, max_abs_score_delta: model.quantization.max_abs_score_delta },
      ...await withRules(comparisonOf(outcome), dataset.id, actor),
    };
    const valLoss = model.metrics.val_loss;
    const now = clock.now();
    const row = await repo.insert({
      id: newId('eval'), ownerId: actor.id, modelId: model.id, datasetId: dataset.id, kind: 'dataset',
      metrics: metricsOf(outcome.metrics, valLoss, meta.threshold_kind === 'reconstruction_error' ? meta.threshold : null),
      confusionMatrix: outcome.metrics.confusion_matrix,
      figures, windows: outcome.windows,
      trainingCurves: await curvesOfModel(model.evaluationId), createdAt: now, updatedAt: now,
    });
    return toEvaluationDetail(row);
  }

  return {
    fromTraining, evaluate, modelAlarms, ready,
    async list(actor: Actor): Promise<EvaluationSummary[]> {
      return (await repo.list(visibleTo(actor))).map(toEvaluationSummary);
    },
    async get(id: string, actor: Actor): Promise<EvaluationDetail> {
      return toEvaluationDetail(await visible(id, actor));
    },
    /** POST /evaluations/:id/gradient: 202 now, the review fills `gradient_evaluation` later. */
    async gradient(id: string, actor: Actor): Promise<GradientStartResponse> {
      const row = await visible(id, actor);
      const model = await deps.models.row(row.modelId, { id: row.ownerId, role: 'admin' });
      const started = await reviewer.start(row, model.architecture);
      return { status: 'running', message: started ? 'Gradient evaluation started' : 'Gradient evaluation already running' };
    },
    handOver: (fromUserId: string, toUserId: string) => repo.reassignOwner(fromUserId, toUserId),
    component: {
      name: 'evaluations',
      async stop() {
        await reviewer.idle();
        await scorer.close();
      },
    },
  };
}

export type EvaluationsService = ReturnType<typeof createEvaluationsService>;
