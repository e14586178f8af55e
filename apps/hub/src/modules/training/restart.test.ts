import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainingRunDetail } from '@prometheus/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestHub } from '../../test/harness.js';
import { testDatabaseServerUrl } from '../../config.js';
import { testStoreEnv } from '../../test/pg.js';
import { sensorCsv, setTier, TINY, validatedDataset, waitForRun } from '../../test/training.js';

type Json = Record<string, unknown>;

// Nothing stays "running" forever: a hub killed mid-training fails its running runs at the next start
// (and queues its waiting ones again, in order); a hub stopped normally stops its workers first, keeping
// their best weights as models.
const hubMain = fileURLToPath(new URL('../../main.ts', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-restart-'));
  dirs.push(dir);
  return dir;
}

/** The hub as its own process (`npm start`'s entry), resolving with its HTTP port once it listens. */
async function spawnHub(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', hubMain], {
    cwd: path.dirname(hubMain),
    env: {
      // On a PostgreSQL test run: the schema the test hubs on `dir` use.
      ...process.env, ...(await testStoreEnv(dir)), PROMETHEUS_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', LOG_LEVEL: 'info',
      PROMETHEUS_ADMIN_PASSWORD: ADMIN_PASSWORD, TRAINING_MAX_CONCURRENT: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"hub listening"'));
      if (line) resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.stderr!.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`hub exited with ${code}: ${out.slice(-2000)}`)));
  });
}

describe('training across hub restarts', { timeout: 240_000 }, () => {
  // The single-process rule: the next start fails what the killed hub left running. On PostgreSQL (replicas) a run
  // belongs to its worker's lease and the leader requeues it when the lease lapses: leases.test.ts and
  // test/fleet-e2e.test.ts cover that rule, so this one runs on SQLite only.
  it.skipIf(testDatabaseServerUrl() !== undefined)('fails the runs a killed hub left running and runs its queued ones at the next start', async () => {
    const dir = dataDir();
    const setup = await createTestHub({ PROMETHEUS_DATA_DIR: dir });
    dirs.push(setup.dataDir); // the harness's own temporary dir, unused here
    const dataset = (await validatedDataset(setup, await setup.adminToken(), sensorCsv({ rows: 150 }))).id;
    await setTier(setup, 'admin', 'enterprise');
    await setup.hub.stop();

    const { child, port } = await spawnHub(dir);
    const api = async (method: string, url: string, token?: string, json?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${url}`, {
        method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      return (await res.json()) as Json;
    };
    const token = String((await api('POST', '/api/v1/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD })).token);
    const long = { dataset_id: dataset, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, epochs: 500, early_stopping_patience: 0 } };
    const running = await api('POST', '/api/v1/training/start', token, long);
    const queued = await api('POST', '/api/v1/training/start', token, long);
    expect([running.status, queued.status]).toEqual(['running', 'queued']);
    while (Number((await api('GET', `/api/v1/training/${running.id}`, token)).current_epoch) < 1) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const t = await createTestHub({ PROMETHEUS_DATA_DIR: dir, TRAINING_MAX_CONCURRENT: '1' });
    dirs.push(t.dataDir);
    try {
      const admin = await t.adminToken();
      const failed = (await (await t.request('GET', `/api/v1/training/${running.id}`, { token: admin })).json()) as TrainingRunDetail;
      expect(failed).toMatchObject({ status: 'failed', error: 'hub restarted during training', model_id: null, estimated_remaining_seconds: 0 });
      expect(failed.current_epoch).toBeGreaterThanOrEqual(1);
      // The training time it last reported, not the time until the next start.
      expect(failed.training_time_seconds).toBeGreaterThan(0);
      // (ISO times carry whole seconds: on a fast machine start and restart fall in the same second.)
      expect(failed.training_time_seconds).toBeLessThanOrEqual((Date.parse(failed.completed_at as string) - Date.parse(failed.started_at)) / 1000 + 1);
      expect(failed.completed_at).not.toBeNull();
      // The queued run was queued again and takes the free slot.
      await waitForRun(t, admin, String(queued.id), (r) => r.status === 'running' && r.current_epoch >= 1);
      const stop = (await (await t.request('POST', `/api/v1/training/${queued.id}/stop`, { token: admin })).json()) as Json;
      expect(stop).toMatchObject({ status: 'stopped' });
      expect(stop.model_id).toMatch(/^mdl_/);
    } finally {
      await t.hub.stop();
    }
  });

  it('stops running workers on hub stop, keeping their best weights, and says why', async () => {
    const dir = dataDir();
    const first = await createTestHub({ PROMETHEUS_DATA_DIR: dir, SHUTDOWN_TIMEOUT_MS: '30000' });
    dirs.push(first.dataDir);
    const admin = await first.adminToken();
    const dataset = (await validatedDataset(first, admin, sensorCsv({ rows: 150 }))).id;
    const res = await first.request('POST', '/api/v1/training/start', {
      token: admin, json: { dataset_id: dataset, architecture: 'sentinel', hyperparameters: { ...TINY, epochs: 5000, early_stopping_patience: 0 } },
    });
    const { id } = (await res.json()) as Json;
    await waitForRun(first, admin, String(id), (r) => r.current_epoch >= 1);
    await first.hub.stop();

    const second = await createTestHub({ PROMETHEUS_DATA_DIR: dir });
    dirs.push(second.dataDir);
    try {
      const run = (await (await second.request('GET', `/api/v1/training/${id}`, { token: await second.adminToken() })).json()) as TrainingRunDetail;
      expect(run).toMatchObject({ status: 'stopped', stop_reason: 'stopped', error: 'hub shut down during training' });
      expect(run.model_id).toMatch(/^mdl_/);
      expect(fs.existsSync(path.join(dir, 'models', run.model_id as string, 'model.onnx'))).toBe(true);
    } finally {
      await second.hub.stop();
    }
  });
});
