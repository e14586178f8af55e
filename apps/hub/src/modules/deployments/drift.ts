import { InferenceMessage, parseMessage, type DriftHour, type DriftReport } from '@prometheus/protocol';
import { psi, type TrainingDistribution } from '@prometheus/ml/core';
import type { Clock } from '../../clock.js';
import type { HubEventBus } from '../../events.js';
import { isoTime, newId } from '../../ids.js';
import type { KeyedLock } from '../../keyed-lock.js';
import type { Logger } from '../../logger.js';
import type { ModelsService } from '../models/models-service.js';
import type { DeploymentsRepo } from './repo.js';
import type { DriftHourRow, WatchRepo } from './watch-repo.js';

// Drift: agents send an hour of readings binned like the model's training histograms (counts only); here each
// feature's hour and the score's are compared with the training shares by PSI. An hour with any PSI above the
// threshold raises a `drift` alert naming what drifted (one open alert per deployment, its peak kept); the next
// hour with none above clears it. Hours with fewer than `minReadings` readings are stored and shown but decide
// nothing: PSI of a handful of values is noise. A model trained before histograms existed has no distribution:
// its target has no drift (the report says so) and its agent sends no summaries.
export interface DriftSettings {
  psiThreshold: number;
  minReadings: number;
}

const HOUR = 3_600_000;
/** A report shows at most this many hours (the newest): three months. */
const MAX_HOURS = 24 * 92;
const fmt = (x: number) => Number(x.toPrecision(3)).toString();
const hourIso = (t: number) => isoTime(new Date(t)).replace(':00:00.000Z', ':00Z');

export function createDriftWatch(deps: {
  repo: DeploymentsRepo; watch: WatchRepo; models: Pick<ModelsService, 'getArtifacts'>; events: HubEventBus; clock: Clock; log: Logger; settings: DriftSettings;
  /**
   * Per deployment, around storing an hour and judging it: device messages are handled side by side (and on any
   * replica), and two drifted hours judged at once would each find no open alert and raise one each.
   */
  lock: KeyedLock;
}) {
  const { repo, watch, clock, log, settings } = deps;

  async function distributionOf(modelId: string | null): Promise<TrainingDistribution | null> {
    if (!modelId) return null;
    const artifacts = await deps.models.getArtifacts(modelId).catch(() => undefined);
    return artifacts?.metadata.distribution ?? null;
  }

  const drifted = (row: Pick<DriftHourRow, 'features' | 'scorePsi'>) => [
    ...row.features.filter((f) => f.psi > settings.psiThreshold),
    ...(row.scorePsi !== null && row.scorePsi > settings.psiThreshold ? [{ column: 'score', psi: row.scorePsi }] : []),
  ];

  /** Raises, extends or clears the deployment's drift alert after a new hour. */
  async function judge(row: DriftHourRow): Promise<void> {
    if (row.readings < settings.minReadings) return;
    const over = drifted(row);
    const open = await watch.openDriftAlert(row.targetId, row.deploymentId);
    const target = await repo.targetOwner(row.targetId);
    const name = target?.name ?? row.targetId;
    if (over.length > 0 && !open) {
      const names = over.map((f) => `${f.column} (PSI ${fmt(f.psi)})`).join(', ');
      const message = `${name}: drift on ${names} above ${fmt(settings.psiThreshold)} in the hour from ${hourIso(row.hourStart)}`.slice(0, 500);
      await watch.insertDriftAlert({
        id: newId('alr'), targetId: row.targetId, agentAlertId: `drift-${row.deploymentId}-${row.hourStart}`, deploymentId: row.deploymentId, modelId: row.modelId,
        kind: 'drift', rule: null, drift: { features: over, hourStart: row.hourStart, threshold: settings.psiThreshold }, state: 'raised',
        raisedAt: new Date(row.hourStart + HOUR), clearedAt: null, peakScore: row.maxPsi ?? 0, threshold: settings.psiThreshold, message, receivedAt: clock.now(),
      });
      log.info({ targetId: row.targetId, drifted: over.map((f) => f.column) }, 'drift alert');
      if (target) deps.events.emit('edge.alert', { userId: target.ownerId, targetId: row.targetId, targetName: name, message });
    } else if (over.length > 0 && open) {
      await watch.updateAlert(open.id, { peakScore: Math.max(open.peakScore, row.maxPsi ?? 0) });
    } else if (open && row.hourStart > (open.drift?.hourStart ?? 0)) {
      await watch.updateAlert(open.id, {
        state: 'cleared', clearedAt: new Date(row.hourStart + HOUR),
        message: `${name}: drift cleared: every PSI at or below ${fmt(settings.psiThreshold)} in the hour from ${hourIso(row.hourStart)} (peak ${fmt(open.peakScore)})`,
      });
    }
  }

  /** An `inference` message of kind `drift` (other kinds are edge-results' or shadow's). */
  async function onInference(targetId: string, payload: Buffer): Promise<void> {
    const msg = parseMessage(InferenceMessage, payload);
    if (msg?.kind !== 'drift') return;
    const deployment = await repo.findById(msg.deployment_id);
    if (!deployment || deployment.targetId !== targetId) return log.warn({ targetId, deploymentId: msg.deployment_id }, 'drift for an unknown deployment ignored');
    const dist = await distributionOf(deployment.modelId);
    const d = msg.drift;
    const features = (dist?.features ?? []).flatMap((f) => {
      const counts = d.features.find((x) => x.column === f.column)?.counts;
      const value = counts && counts.length === f.expected.length ? psi(f.expected, counts) : Number.NaN;
      return Number.isFinite(value) ? [{ column: f.column, psi: value }] : [];
    });
    const scorePsi = dist?.score && d.score && d.score.counts.length === dist.score.expected.length ? psi(dist.score.expected, d.score.counts) : Number.NaN;
    const all = [...features.map((f) => f.psi), ...(Number.isFinite(scorePsi) ? [scorePsi] : [])];
    const row: DriftHourRow = {
      targetId, deploymentId: deployment.id, hourStart: d.hour_start, modelId: msg.model_id, readings: d.readings,
      windows: d.score ? d.score.counts.reduce((s, c) => s + c, 0) : 0, features, scorePsi: Number.isFinite(scorePsi) ? scorePsi : null,
      maxPsi: all.length > 0 ? Math.max(...all) : null, counts: { features: d.features, score: d.score?.counts ?? null }, bytes: payload.length, receivedAt: clock.now(),
    };
    await deps.lock(`drift:${deployment.id}`, async () => {
      if (await watch.insertDriftHour(row)) await judge(row);
    });
  }

  async function report(targetId: string, from: number | undefined, to: number | undefined): Promise<DriftReport> {
    const live = (await repo.forTarget(targetId, ['deployed'])).filter((r) => r.mode === 'live').at(-1);
    const dist = await distributionOf(live?.modelId ?? null);
    const reason = !live?.modelId ? 'no model is deployed live on this target'
      : dist ? null : `model ${live.modelId} carries no training histograms (trained before drift existed): no drift is computed; retrain it to get drift`;
    const rows = await watch.driftHours(targetId, from ?? 0, to ?? Number.MAX_SAFE_INTEGER, MAX_HOURS);
    const hours: DriftHour[] = rows.map((r) => ({
      hour_start: isoTime(new Date(r.hourStart)), deployment_id: r.deploymentId, model_id: r.modelId, readings: r.readings, windows: r.windows,
      features: r.features, score_psi: r.scorePsi, max_psi: r.maxPsi, drifted: r.readings >= settings.minReadings ? drifted(r).map((f) => f.column) : [], bytes: r.bytes,
    }));
    const days = new Map<string, { bytes: number; summaries: number }>();
    for (const r of rows) {
      const day = isoTime(new Date(r.hourStart)).slice(0, 10);
      const d = days.get(day) ?? { bytes: 0, summaries: 0 };
      days.set(day, { bytes: d.bytes + r.bytes, summaries: d.summaries + 1 });
    }
    const list = [...days].map(([day, d]) => ({ day, ...d }));
    return {
      target_id: targetId, threshold: settings.psiThreshold, available: reason === null, reason, hours,
      bandwidth: {
        days: list, mean_bytes_per_day: list.length > 0 ? list.reduce((s, d) => s + d.bytes, 0) / list.length : null,
        projected_bytes_per_day: rows.length > 0 ? Math.round((24 * rows.reduce((s, r) => s + r.bytes, 0)) / rows.length) : null,
      },
    };
  }

  return { onInference, report };
}

export type DriftWatch = ReturnType<typeof createDriftWatch>;
