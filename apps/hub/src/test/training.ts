import type { DatasetDetail, EvaluationDetail, TrainingRunDetail } from '@prometheus/protocol';
import type { TestHub } from './harness.js';
import { uploadCsv } from './upload.js';

// Test factories for training, models and evaluations: a small labelled sensor CSV (one-minute readings,
// a daily-like cycle, a fault that offsets the supply temperature), uploaded and validated through the
// routes, and tiny hyperparameters so a run takes seconds on a loaded machine.
export const TINY = { epochs: 2, hidden_dim: 4, bottleneck_dim: 2, num_layers: 1, sequence_length: 8, batch_size: 32, stride: 2, dropout: 0 };

export interface SensorCsvOptions {
  rows?: number;
  /** Rows from this index on carry the fault (label 1); none by default. */
  faultFrom?: number;
  /** Include the `fault` label column (default true). */
  label?: boolean;
  start?: number;
  seed?: number;
  /** Add `mixed_temp`, the mean of the nominal supply and the return temperature: a column a linear model can
   * predict from the others (the supply fault does not reach it). */
  mixed?: boolean;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function sensorCsv(opts: SensorCsvOptions = {}): string {
  const { rows = 300, faultFrom = Number.POSITIVE_INFINITY, label = true, start = Date.UTC(2026, 0, 5), seed = 7, mixed = false } = opts;
  const rnd = random(seed);
  const lines = [['timestamp', 'supply_temp', 'return_temp', 'fan_speed', ...(mixed ? ['mixed_temp'] : []), ...(label ? ['fault'] : [])].join(',')];
  for (let i = 0; i < rows; i++) {
    const t = new Date(start + i * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const phase = (2 * Math.PI * i) / 60;
    const faulty = i >= faultFrom;
    const nominal = 55 + 2 * Math.sin(phase) + (rnd() - 0.5) * 0.4;
    const supply = nominal + (faulty ? 6 : 0);
    const ret = 72 + Math.cos(phase) + (rnd() - 0.5) * 0.4;
    const fan = 40 + 10 * Math.sin(phase / 2) + (rnd() - 0.5);
    const cells = [t, supply.toFixed(2), ret.toFixed(2), fan.toFixed(1)];
    if (mixed) cells.push(((nominal + ret) / 2 + (rnd() - 0.5) * 0.2).toFixed(2));
    if (label) cells.push(faulty ? '1' : '0');
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Uploads and validates a CSV (with `tolerancePercent` as the request's `tolerance_percent` when given); returns the dataset. */
export async function validatedDataset(t: TestHub, token: string, csv: string, name = 'Sensors', tolerancePercent?: number): Promise<DatasetDetail> {
  const up = await uploadCsv(t, token, csv, { name });
  if (up.status !== 201) throw new Error(`upload answered ${up.status}: ${await up.text()}`);
  const ds = (await up.json()) as DatasetDetail;
  const query = tolerancePercent === undefined ? '' : `?tolerance_percent=${tolerancePercent}`;
  const v = await t.request('POST', `/api/v1/datasets/${ds.id}/validate${query}`, { token });
  if (v.status !== 200 || !((await v.json()) as { valid: boolean }).valid) throw new Error(`validation of ${ds.id} failed`);
  return ds;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a run until it leaves queued/running (or `until` holds); fails after `timeoutMs`. */
export async function waitForRun(t: TestHub, token: string, id: string, until?: (r: TrainingRunDetail) => boolean, timeoutMs = 120_000): Promise<TrainingRunDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.request('GET', `/api/v1/training/${id}`, { token });
    const run = (await res.json()) as TrainingRunDetail;
    if (until ? until(run) : run.status !== 'queued' && run.status !== 'running') return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status} at epoch ${run.current_epoch}`);
    await sleep(100);
  }
}

/** Starts a run and waits for its end; returns the final detail. */
export async function trainToEnd(t: TestHub, token: string, body: Record<string, unknown>, timeoutMs = 120_000): Promise<TrainingRunDetail> {
  const res = await t.request('POST', '/api/v1/training/start', { token, json: body });
  if (res.status !== 201) throw new Error(`start answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  return waitForRun(t, token, id, undefined, timeoutMs);
}

/** Sets a user's tier by hand (the admin route), e.g. enterprise so tier limits stay out of a test's way. */
export async function setTier(t: TestHub, username: string, tier: 'free' | 'pro' | 'enterprise'): Promise<void> {
  const res = await t.request('PUT', `/api/v1/admin/users/${username}/subscription`, { token: await t.adminToken(), json: { tier } });
  if (res.status !== 200) throw new Error(`setting the tier answered ${res.status}: ${await res.text()}`);
}

/** Polls an evaluation until its Gradient review is no longer running. */
export async function waitForGradient(t: TestHub, token: string, id: string, timeoutMs = 60_000): Promise<EvaluationDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const detail = (await (await t.request('GET', `/api/v1/evaluations/${id}`, { token })).json()) as EvaluationDetail;
    if (detail.gradient_status !== 'running') return detail;
    if (Date.now() > deadline) throw new Error(`gradient review of ${id} still running`);
    await sleep(100);
  }
}
