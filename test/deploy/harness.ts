import { createHash } from 'node:crypto';
import { api, waitFor } from '../edge-link/harness.js';

// Helpers of the deployment end-to-end tests: controller documents with a daily-like cycle (and an injected
// fault), a small lstm_autoencoder trained through the API on the target's own telemetry, and waits on a
// deployment's status, scores and alerts.
export const FEATURES = ['supply_temp', 'return_temp', 'fan_speed'];
export const START = Date.UTC(2026, 2, 6);
export const STEP_MS = 15_000;

/** Tiny hyperparameters: a run takes seconds on a loaded 2-core machine. */
export const TINY_AE = {
  epochs: 4, hidden_dim: 8, bottleneck_dim: 4, num_layers: 1, sequence_length: 12, batch_size: 32, stride: 2, dropout: 0,
  learning_rate: 0.01, weight_decay: 0, feature_columns: FEATURES,
  // Raw window scores: at 15 s readings the default 60-minute persistence would hold an alert for 240 windows.
  persistence_minutes: 0,
};

function noise(n: number, k: number): number {
  const x = Math.sin(n * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

/**
 * Air-handler documents, one per 15 s: supply air follows a slow cycle, return air and fan speed too.
 * From `faultFrom` on, the supply air temperature sits `faultOffset` degrees high (a stuck heating valve).
 */
export function ahuSamples(from: number, to: number, fault: { from?: number; offset?: number } = {}): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let n = from; n < to; n++) {
    const phase = (2 * Math.PI * n) / 120;
    const faulty = n >= (fault.from ?? Number.POSITIVE_INFINITY);
    out.push({
      timestamp: new Date(START + n * STEP_MS).toISOString(), sample_no: n,
      supply_temp: 55 + 2 * Math.sin(phase) + 0.2 * noise(n, 1) + (faulty ? fault.offset ?? 25 : 0),
      return_temp: 72 + Math.cos(phase) + 0.2 * noise(n, 2),
      fan_speed: 40 + 10 * Math.sin(phase / 2) + 0.5 * noise(n, 3),
    });
  }
  return out;
}

export interface Deployment {
  id: string;
  status: string;
  error: string | null;
  status_detail: string | null;
  model_version: string;
  mode: 'live' | 'shadow';
  health: { score: number; expected: number; runtime: string } | null;
  steps: { status: string; detail: string | null }[];
  transfer: { bytes_acked: number; bytes_total: number; target_online: boolean } | null;
}

/** Validates the target's edge dataset and trains a tiny autoencoder on it; returns the model id. */
export async function trainOnTelemetry(hubUrl: string, token: string, datasetId: string, rows: number, timeoutMs = 240_000, hyperparameters: Record<string, unknown> = TINY_AE): Promise<string> {
  // The journal hands readings to the dataset in the background.
  await waitFor('dataset rows', async () => ((await api<{ row_count: number }>(hubUrl, 'GET', `/api/v1/datasets/${datasetId}`, token)).body.row_count >= rows), 60_000, 250);
  const v = await api<{ valid: boolean; issues: string[] }>(hubUrl, 'POST', `/api/v1/datasets/${datasetId}/validate`, token);
  if (v.status !== 200 || !v.body.valid) throw new Error(`validation: ${v.status} ${JSON.stringify(v.body)}`);
  const start = await api<{ id: string }>(hubUrl, 'POST', '/api/v1/training/start', token, { dataset_id: datasetId, architecture: 'lstm_autoencoder', hyperparameters });
  if (start.status !== 201) throw new Error(`training start: ${start.status} ${JSON.stringify(start.body)}`);
  const run = await waitFor('training run', async () => {
    const r = await api<{ status: string; model_id: string | null; error?: string }>(hubUrl, 'GET', `/api/v1/training/${start.body.id}`, token);
    return r.body.status !== 'queued' && r.body.status !== 'running' ? r.body : undefined;
  }, timeoutMs, 500);
  if (!run.model_id) throw new Error(`training ended ${run.status} without a model: ${JSON.stringify(run)}`);
  return run.model_id;
}

export async function deploy(hubUrl: string, token: string, body: Record<string, unknown>): Promise<string> {
  const res = await api<{ id: string; status: string }>(hubUrl, 'POST', '/api/v1/deployments', token, body);
  if (res.status !== 201) throw new Error(`deploy: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function deployment(hubUrl: string, token: string, id: string): Promise<Deployment> {
  return (await api<Deployment>(hubUrl, 'GET', `/api/v1/deployments/${id}`, token)).body;
}

/** Waits until the deployment leaves the in-progress states; returns it. */
export async function settled(hubUrl: string, token: string, id: string, timeoutMs = 180_000): Promise<Deployment> {
  return waitFor(`deployment ${id} to settle`, async () => {
    const d = await deployment(hubUrl, token, id);
    return ['deployed', 'failed', 'rolled_back', 'superseded'].includes(d.status) ? d : undefined;
  }, timeoutMs, 250);
}

export async function scores(hubUrl: string, token: string, targetId: string): Promise<{ threshold: number | null; scores: { ts: string; score: number; anomaly: boolean }[] }> {
  return (await api<{ threshold: number | null; scores: { ts: string; score: number; anomaly: boolean }[] }>(hubUrl, 'GET', `/api/v1/deployments/targets/${targetId}/scores?limit=10000`, token)).body;
}

/** The target's alerts of one kind (default the model's anomaly alerts: a fault that moves readings is drift too). */
export async function alerts(hubUrl: string, token: string, targetId: string, kind: 'anomaly' | 'out_of_range' | 'rule' | 'drift' = 'anomaly'): Promise<EdgeAlertView[]> {
  return (await api<EdgeAlertView[]>(hubUrl, 'GET', `/api/v1/deployments/targets/${targetId}/alerts?kind=${kind}`, token)).body;
}

export interface EdgeAlertView {
  id: string; kind: string; state: string; peak_score: number; threshold: number; raised_at: string; message: string; deployment_id: string;
  drift: { features: { column: string; psi: number }[] } | null;
}

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
