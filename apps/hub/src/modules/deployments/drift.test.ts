import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { createKeyedLock, type KeyedLock } from '../../keyed-lock.js';
import { createDriftWatch } from './drift.js';
import type { DeploymentsRepo } from './repo.js';
import type { WatchRepo } from './watch-repo.js';

// Two drifted hours handled at once (device messages are handled side by side, and on any replica) must raise one
// alert, not one each. The fakes yield to the event loop on every call, as a store does, so the race is certain
// without the watch's lock.
const tick = () => new Promise<void>((r) => setImmediate(r));
const expected = [0.25, 0.25, 0.25, 0.25];
const distribution = { format: 'prometheus-histograms/1', rows: 400, features: [{ column: 'sat', edges: [50, 55, 60], expected }], score: null };

function fakes() {
  const alerts: { id: string; state: string; peakScore: number; drift: { hourStart: number } }[] = [];
  const hours = new Set<number>();
  const watch = {
    async insertDriftHour(row: { hourStart: number }) {
      await tick();
      if (hours.has(row.hourStart)) return false;
      hours.add(row.hourStart);
      return true;
    },
    async openDriftAlert() {
      await tick();
      return alerts.find((a) => a.state === 'raised');
    },
    async insertDriftAlert(row: (typeof alerts)[number]) {
      await tick();
      alerts.push(row);
    },
    async updateAlert(id: string, patch: Partial<(typeof alerts)[number]>) {
      await tick();
      Object.assign(alerts.find((a) => a.id === id)!, patch);
    },
  } as unknown as WatchRepo;
  const repo = {
    findById: async () => ({ id: 'dep_000001', targetId: 'tgt_1', modelId: 'mdl_1' }),
    targetOwner: async () => ({ name: 'AHU-1', ownerId: 'usr_1' }),
  } as unknown as DeploymentsRepo;
  return { alerts, watch, repo };
}

const drifted = (hourStart: number, seq: number) => Buffer.from(JSON.stringify({
  v: 1, kind: 'drift', seq, deployment_id: 'dep_000001', model_id: 'mdl_1',
  drift: { hour_start: hourStart, readings: 240, features: [{ column: 'sat', counts: [0, 0, 0, 240] }], score: null },
}));

function watchWith(lock: KeyedLock) {
  const f = fakes();
  const drift = createDriftWatch({
    repo: f.repo, watch: f.watch, models: { getArtifacts: async () => ({ metadata: { distribution } }) } as never,
    events: { emit: () => undefined } as never, clock: { now: () => new Date('2026-03-06T05:00:00Z') }, log: pino({ level: 'silent' }),
    settings: { psiThreshold: 0.2, minReadings: 100 }, lock,
  });
  return { ...f, drift };
}

describe('drift watch', () => {
  it('raises one alert for two drifted hours handled at once', async () => {
    const w = watchWith(createKeyedLock());
    await Promise.all([w.drift.onInference('tgt_1', drifted(Date.UTC(2026, 2, 6, 2), 3)), w.drift.onInference('tgt_1', drifted(Date.UTC(2026, 2, 6, 3), 4))]);
    expect(w.alerts).toHaveLength(1);
    expect(w.alerts[0]).toMatchObject({ state: 'raised' });
  });

  it('raises two without the lock (the race the lock closes)', async () => {
    const w = watchWith(async (_key, fn) => fn());
    await Promise.all([w.drift.onInference('tgt_1', drifted(Date.UTC(2026, 2, 6, 2), 3)), w.drift.onInference('tgt_1', drifted(Date.UTC(2026, 2, 6, 3), 4))]);
    expect(w.alerts).toHaveLength(2);
  });
});
