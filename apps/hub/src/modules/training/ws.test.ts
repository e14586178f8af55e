import { TrainingComplete, TrainingEpochUpdate } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, validatedDataset, waitForRun } from '../../test/training.js';

type Json = Record<string, unknown>;

// WebSocket /ws/training/:id over a real socket (hub.start() on port 0), with the `ws` package as client.
interface Session {
  messages: Json[];
  closed: Promise<number>;
}

function connect(url: string, headers: Record<string, string> = {}): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: Json[] = [];
    const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)));
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Json));
    ws.on('open', () => resolve({ messages, closed }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

describe('WebSocket /ws/training/:id', { timeout: 180_000 }, () => {
  let t: TestHub;
  let base: string;
  let operator: { token: string; username: string; id: string };
  let dataset: string;

  beforeAll(async () => {
    t = await createTestHub({ TRAINING_MAX_CONCURRENT: '2' });
    const port = await t.hub.start();
    base = `ws://127.0.0.1:${port}`;
    operator = await t.userWithRole('operator');
    await setTier(t, operator.username, 'enterprise');
    dataset = (await validatedDataset(t, operator.token, sensorCsv({ rows: 200, faultFrom: 170 }))).id;
  }, 180_000);
  afterAll(() => t.close());

  const start = async (epochs: number) => {
    const res = await t.request('POST', '/api/v1/training/start', {
      token: operator.token, json: { dataset_id: dataset, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, epochs, early_stopping_patience: 0 } },
    });
    return String(((await res.json()) as Json).id);
  };

  it('sends epoch_update per epoch then training_complete (bearer header), and closes normally', async () => {
    const id = await start(3);
    const session = await connect(`${base}/ws/training/${id}`, { authorization: `Bearer ${operator.token}` });
    expect(await session.closed).toBe(1000);
    const updates = session.messages.filter((m) => m.type === 'epoch_update');
    const last = session.messages.at(-1) as Json;
    // Joined right after the start (a worker takes far longer to load than a local connect): every epoch is seen.
    for (const u of updates) expect(TrainingEpochUpdate.strict().parse(u)).toBeTruthy();
    expect(updates.map((u) => u.current_epoch)).toEqual([1, 2, 3]);
    expect(updates.at(-1)).toMatchObject({ current_epoch: 3, total_epochs: 3, learning_rate: 0.001 });
    expect(TrainingComplete.strict().parse(last)).toMatchObject({ type: 'training_complete', status: 'completed', current_epoch: 3, total_epochs: 3 });
    expect(last.final_metrics).toHaveLength(3);
    const run = await waitForRun(t, operator.token, id);
    expect(last.best_val_loss).toBe(run.best_val_loss);
    expect(last.model_id).toBe(run.model_id);
  });

  it('takes the token from ?token= (browsers) and answers a late joiner at once', async () => {
    const id = await start(1);
    await waitForRun(t, operator.token, id);
    const session = await connect(`${base}/ws/training/${id}?token=${operator.token}`);
    expect(await session.closed).toBe(1000);
    expect(session.messages).toHaveLength(1);
    expect(session.messages[0]).toMatchObject({ type: 'training_complete', status: 'completed', current_epoch: 1 });
  });

  it('refuses before the upgrade: 401 without or with a bad token, 404 for a missing or another user\'s run', async () => {
    const id = await start(1);
    await expect(connect(`${base}/ws/training/${id}`)).rejects.toThrow('HTTP 401');
    await expect(connect(`${base}/ws/training/${id}?token=nope`)).rejects.toThrow('HTTP 401');
    await expect(connect(`${base}/ws/training/tr_missing?token=${operator.token}`)).rejects.toThrow('HTTP 404');
    const other = await t.userWithRole('operator');
    await expect(connect(`${base}/ws/training/${id}`, { authorization: `Bearer ${other.token}` })).rejects.toThrow('HTTP 404');
    // Viewers may watch (read permission); the admin sees every run.
    const viewer = await t.userWithRole('viewer');
    await expect(connect(`${base}/ws/training/${id}?token=${viewer.token}`)).rejects.toThrow('HTTP 404');
    const admin = await connect(`${base}/ws/training/${id}?token=${await t.adminToken()}`);
    expect(await admin.closed).toBe(1000);
    expect(admin.messages.at(-1)?.type).toBe('training_complete');
  });
});
