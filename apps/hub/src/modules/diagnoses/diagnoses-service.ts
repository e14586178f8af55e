import { AfddSettingsError, applicableRules, DEFAULT_AFDD_SETTINGS, parseAfddSettings, type AfddInput, type AfddSettings, type Diagnosis, type PointRole } from '@prometheus/afdd';
import type { AlarmEpisode, DiagnoseRequest, DiagnosisDaySeries, DiagnosisSummary, DiagnosisView } from '@prometheus/protocol';
import type { Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import { AppError, badRequest, notFound } from '../../errors.js';
import { isoTime, newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { PointsService } from '../points/points-service.js';
import { rulesDuring, type AlarmAnnotation } from './alarm-rules.js';
import { daySeries } from './day-series.js';
import type { DiagnosesRepo, DiagnosisRow } from './repo.js';
import type { DiagnosisResult } from '../../db/schema/index.js';
import type { DiagnoseRunner } from './runner.js';
import { mappedInputs, rowsFrom, seriesFrom } from './series.js';
import { numericColumns } from '../training/table.js';
import { combine, copySeries, modelEpisodes, modelView, referenceOf, type ModelAlarmsResult, type ReferencePlan } from './extras.js';

/** A model for `model_id`: who may see it, and its alarms over a dataset (the evaluations module's scoring). */
export interface ModelScoring {
  row: (id: string, actor: Actor) => Promise<{ id: string; datasetId: string; metadata: { feature_columns: string[] } }>;
  alarms: (actor: Actor, modelId: string, datasetId: string) => Promise<ModelAlarmsResult>;
}

export interface DiagnosesServiceDeps {
  repo: DiagnosesRepo;
  datasets: Pick<DatasetsService, 'get' | 'loadForTraining'>;
  points: Pick<PointsService, 'mapOfDataset'>;
  runner: DiagnoseRunner;
  clock: Clock;
  log: Logger;
}

function settingsFrom(overrides: Record<string, unknown> | undefined): AfddSettings {
  try {
    return parseAfddSettings(overrides);
  } catch (err) {
    if (!(err instanceof AfddSettingsError)) throw err;
    const problems = err.errors.map((e) => `'settings${e.field ? `.${e.field}` : ''}' ${e.message}`);
    throw new AppError('VALIDATION_ERROR', `Invalid request body: ${problems[0]}`, { details: problems.join('; ') });
  }
}

export function toView(row: DiagnosisRow): DiagnosisView {
  const result = row.result;
  return {
    id: row.id, dataset_id: row.datasetId, status: row.status, error: row.error,
    created_at: isoTime(row.createdAt), completed_at: row.completedAt ? isoTime(row.completedAt) : null,
    time_zone: row.timeZone, inputs: row.inputs,
    episodes: result?.episodes ?? [], days: result?.days ?? [], skipped_rules: result?.skipped_rules ?? [], min_oa: result?.min_oa ?? null,
    standing: result?.standing ?? [], reference: result?.reference ?? null, model: result?.model ?? null,
    settings: row.settings,
  };
}

function toSummary(row: DiagnosisRow): DiagnosisSummary {
  const { episodes, days: _days, skipped_rules: _skipped, settings: _settings, standing: _standing, ...rest } = toView(row);
  return { ...rest, episode_count: episodes.length };
}

/** Diagnoses: the Guideline 36 rules over a dataset's mapped columns, run one at a time off the request path. */
export function createDiagnosesService(deps: DiagnosesServiceDeps) {
  const { repo, clock } = deps;
  const log = deps.log.child({ module: 'diagnoses' });
  let tail: Promise<void> = Promise.resolve();
  let stopping = false;
  let modelScoring: ModelScoring | null = null;

  /** The mapped columns only, in the rules' units. */
  async function readSeries(datasetId: string, actor: Actor, points: PointRole[]) {
    const mapped = points.filter((p) => p.input).map((p) => p.column);
    return seriesFrom(await deps.datasets.loadForTraining(datasetId, actor, mapped), points);
  }

  interface Job { points: PointRole[]; settings: AfddSettings; timeZone: string; modelId: string | null; reference: ReferencePlan | null }

  /** The rules over the reference days (another dataset: its own map, else this one's; its own calendar; this diagnosis's minimum outdoor air). */
  async function referenceRun(plan: ReferencePlan, datasetId: string, user: Actor, job: Job, own: Diagnosis) {
    if (plan.datasetId === datasetId) return referenceOf(plan, own, job.timeZone);
    const dataset = await deps.datasets.get(plan.datasetId, user);
    const { points } = await deps.points.mapOfDataset(plan.datasetId, user);
    const map = points.some((p) => p.input) ? points : job.points;
    const { series } = await readSeries(plan.datasetId, user, map);
    if (series.timestamps.length === 0) throw new AppError('BAD_REQUEST', 'The reference dataset has no rows with a readable time');
    const timeZone = dataset.timezone ?? 'UTC';
    // The same unit: the minimum outdoor-air position the diagnosis used, not one estimated from the reference alone.
    const settings = { ...job.settings, min_oa_fraction: own.min_oa.fraction ?? job.settings.min_oa_fraction };
    return referenceOf(plan, await deps.runner.run({ series, settings, timeZone }), timeZone);
  }

  async function execute(id: string, datasetId: string, user: Actor, job: Job): Promise<void> {
    try {
      if (stopping) throw new Error('the hub stopped before this diagnosis ran');
      const { series, inputs } = await readSeries(datasetId, user, job.points);
      if (series.timestamps.length === 0) throw new AppError('BAD_REQUEST', 'The dataset has no rows with a readable time');
      const rows = series.timestamps.length;
      const kept = job.modelId || job.reference ? copySeries(series) : null; // the runner takes the buffers
      const own = await deps.runner.run({ series, settings: job.settings, timeZone: job.timeZone });
      let result: DiagnosisResult = { episodes: own.episodes, days: own.days, skipped_rules: own.skipped_rules, min_oa: own.min_oa, standing: [], reference: null, model: null };
      if (kept) {
        const scored = job.modelId && modelScoring ? await modelScoring.alarms(user, job.modelId, datasetId) : null;
        const model = scored ? modelEpisodes(scored, kept, job.points, own.min_oa.fraction, job.settings) : [];
        const reference = job.reference ? await referenceRun(job.reference, datasetId, user, job, own) : null;
        const combined = combine(own.episodes, model, kept.timestamps, job.timeZone, reference, job.settings);
        result = {
          ...result, ...combined, model: scored ? modelView(scored) : null,
          reference: job.reference && reference ? { dataset_id: job.reference.datasetId, source: job.reference.source, days: [...reference.dates] } : null,
        };
      }
      await repo.complete(id, result, inputs, clock.now());
      log.info({ id, datasetId, rows, episodes: result.episodes.length, standing: result.standing?.length ?? 0 }, 'diagnosis completed');
    } catch (err) {
      const message = err instanceof AppError ? `${err.message}${err.details ? `: ${err.details}` : ''}` : `Diagnosis failed: ${(err as Error).message}`;
      log.warn({ id, datasetId, err }, 'diagnosis failed');
      await repo.fail(id, message, clock.now());
    }
  }

  /** `model_id` and `reference` checked up front (404 for what the user may not see, 400 for what cannot work). */
  async function plan(datasetId: string, user: Actor, body: DiagnoseRequest): Promise<{ modelId: string | null; reference: ReferencePlan | null }> {
    let model: { id: string; datasetId: string } | null = null;
    if (body.model_id) {
      if (!modelScoring) throw new AppError('BAD_REQUEST', 'This hub cannot score models in a diagnosis');
      const row = await modelScoring.row(body.model_id, user);
      const columns = numericColumns(await deps.datasets.get(datasetId, user));
      const absent = row.metadata.feature_columns.filter((f) => !columns.includes(f));
      if (absent.length > 0) throw badRequest("Invalid request body: the dataset lacks the feature columns of 'model_id'", `Missing numeric columns: ${absent.join(', ')}`);
      model = row;
    }
    const ref = body.reference;
    if (ref) {
      if (!ref.dataset_id && !ref.from && !ref.to) {
        throw badRequest("Invalid request body: 'reference' needs from/to or dataset_id", 'Without them the whole diagnosed dataset would be its own reference, and every condition would stand');
      }
      if (ref.from && ref.to && ref.from > ref.to) throw badRequest("Invalid request body: 'reference.from' is after 'reference.to'");
      const refId = ref.dataset_id ?? datasetId;
      if (refId !== datasetId) await deps.datasets.get(refId, user);
      return { modelId: model?.id ?? null, reference: { datasetId: refId, source: 'request', from: ref.from ?? null, to: ref.to ?? null } };
    }
    // The model's training days are the unit's known-normal days, unless they are this very dataset (or gone).
    const trainedOn = model && model.datasetId !== datasetId
      ? await deps.datasets.get(model.datasetId, user).then(() => model.datasetId, () => null) : null;
    const reference: ReferencePlan | null = trainedOn ? { datasetId: trainedOn, source: 'model_training_dataset', from: null, to: null } : null;
    return { modelId: model?.id ?? null, reference };
  }

  /**
   * The rules over a dataset's mapped columns, from `from` (epoch ms) on when given: default settings, the dataset's
   * calendar, queued behind other diagnoses, in their worker. Null when no row has a readable time.
   */
  async function rulesOver(datasetId: string, actor: Actor, points: PointRole[], from: number | undefined): Promise<Diagnosis | null> {
    const dataset = await deps.datasets.get(datasetId, actor);
    const run = tail.then(async () => {
      const { series } = await readSeries(datasetId, actor, points);
      const rows = from === undefined ? series : rowsFrom(series, from);
      return rows.timestamps.length === 0 ? null : deps.runner.run({ series: rows, settings: DEFAULT_AFDD_SETTINGS, timeZone: dataset.timezone ?? 'UTC' });
    });
    tail = run.then(() => undefined, () => undefined);
    return run;
  }

  async function visible(id: string, user: Actor): Promise<DiagnosisRow> {
    const row = await repo.findById(id);
    if (!row) throw notFound('Diagnosis', id);
    // Whoever may see the dataset may see its diagnoses; another user's is 404 like the dataset.
    await deps.datasets.get(row.datasetId, user).catch((err: unknown) => {
      throw err instanceof AppError && err.code === 'NOT_FOUND' ? notFound('Diagnosis', id) : err;
    });
    return row;
  }

  return {
    /** Checks everything that can be checked up front (400s), records the diagnosis as running and queues it. */
    async start(datasetId: string, user: Actor, body: DiagnoseRequest): Promise<{ id: string }> {
      const dataset = await deps.datasets.get(datasetId, user);
      const settings = settingsFrom(body.settings);
      if (!dataset.timestamp_column) {
        throw new AppError('BAD_REQUEST', 'The dataset has no time column', { details: 'The rules judge readings over time (rolling means, delays): upload data with a timestamp column' });
      }
      const { points } = await deps.points.mapOfDataset(datasetId, user);
      const inputs = mappedInputs(points);
      const { rules, skipped } = applicableRules(Object.keys(inputs) as AfddInput[]);
      if (rules.length === 0) {
        const mapped = Object.keys(inputs).join(', ') || 'none';
        throw new AppError('BAD_REQUEST', 'No fault condition can run on this dataset\'s point map', {
          details: `Mapped AFDD inputs: ${mapped}. Map columns to inputs with PUT /api/v1/datasets/${datasetId}/points: `
            + skipped.map((s) => `${s.fault_condition}: ${s.reason}`).join('; '),
        });
      }
      const extras = await plan(datasetId, user, body);
      const id = newId('dgn');
      const timeZone = body.time_zone ?? dataset.timezone ?? 'UTC';
      await repo.insert({ id, datasetId, status: 'running', settings, timeZone, inputs, createdBy: user.id, createdAt: clock.now() });
      const run = tail.then(() => execute(id, datasetId, user, { points, settings, timeZone, ...extras }));
      tail = run;
      return { id };
    },
    async get(id: string, user: Actor): Promise<DiagnosisView> {
      return toView(await visible(id, user));
    },
    /** One day of the inputs a completed diagnosis read, in the rules' units (the chart under its episodes). */
    async daySeries(id: string, user: Actor, date: string): Promise<DiagnosisDaySeries> {
      const row = await visible(id, user);
      if (row.status !== 'completed') {
        throw new AppError('CONFLICT', `The diagnosis is ${row.status}`, { details: 'Its readings can be charted once it has completed' });
      }
      const inputs = row.inputs;
      // Units are the columns' (the current map's); the columns are the ones this diagnosis read.
      const { points } = await deps.points.mapOfDataset(row.datasetId, user);
      const roles: PointRole[] = (Object.entries(inputs) as [AfddInput, string][]).map(([input, column]) => ({
        column, input, brick_class: null, unit: points.find((p) => p.column === column)?.unit ?? null,
      }));
      const { series } = await readSeries(row.datasetId, user, roles);
      return daySeries(series, inputs, row.timeZone, date);
    },
    async listForDataset(datasetId: string, user: Actor): Promise<DiagnosisSummary[]> {
      await deps.datasets.get(datasetId, user);
      return (await repo.listByDataset(datasetId)).map(toSummary);
    },
    /**
     * Evaluations: each alarm gets the rules that fired during it (`rules`), from the dataset's point map (an edge
     * dataset's: its target's), run over the evaluated rows (from `from` on; all of them without it). The status
     * says why the lists are empty when they are; `skipped_rules` what could not run.
     */
    async annotateAlarms(datasetId: string, actor: Actor, alarms: AlarmEpisode[], options: { from?: number } = {}): Promise<AlarmAnnotation> {
      const { points } = await deps.points.mapOfDataset(datasetId, actor);
      const inputs = Object.keys(mappedInputs(points)) as AfddInput[];
      if (inputs.length === 0) return { alarms, rules_status: 'no_point_map', skipped_rules: null };
      const { rules, skipped } = applicableRules(inputs);
      if (rules.length === 0) return { alarms, rules_status: 'no_runnable_rules', skipped_rules: skipped };
      if (alarms.length === 0) return { alarms, rules_status: 'no_alarms', skipped_rules: skipped };
      const diagnosis = await rulesOver(datasetId, actor, points, options.from);
      if (!diagnosis) throw new Error('no evaluated row has a readable time');
      return {
        alarms: alarms.map((a) => ({ ...a, rules: rulesDuring(diagnosis.episodes, a) })),
        rules_status: 'annotated',
        skipped_rules: diagnosis.skipped_rules,
      };
    },
    /** Models for `model_id` (the models and evaluations services are built after this one). */
    attachModelScoring(scoring: ModelScoring): void {
      modelScoring = scoring;
    },
    /** Resolves when every queued diagnosis has finished (tests, shutdown). */
    idle: (): Promise<void> => tail,
    component: {
      name: 'diagnoses',
      async start(): Promise<void> {
        const failed = await repo.failRunning('The hub restarted while this diagnosis ran; start it again', clock.now());
        if (failed > 0) log.warn({ failed }, 'diagnoses left running by the previous process marked failed');
      },
      async stop(): Promise<void> {
        stopping = true;
        await deps.runner.close();
        await tail;
      },
    },
  };
}

export type DiagnosesService = ReturnType<typeof createDiagnosesService>;
