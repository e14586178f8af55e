import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { testDatabaseServerUrl } from '../../config.js';

describe('system routes', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await createTestHub({ TRAINING_MAX_CONCURRENT: '3', PROMETHEUS_REPLICA_ID: 'hub-a' });
    // Test hubs answer requests without hub.start(); leadership on PostgreSQL is taken when the cluster starts.
    await t.hub.services.cluster.start();
  });
  afterAll(() => t.close()); // hub.stop() stops the cluster too

  it('answers /health without authentication', async () => {
    const res = await t.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok', version: '0.1.0', aegis_db: 'connected', store: t.hub.store.dialect === 'sqlite' ? 'sqlite' : 'postgresql', broker: 'embedded', role: 'all', replica_id: 'hub-a', leader: true,
    });
  });

  it('is not ready before its parts start, and ready after', async () => {
    // Test hubs answer requests before hub.start(), as a real hub does while it starts.
    expect(await (await t.request('GET', '/health')).json()).toMatchObject({ status: 'ok', ready: false });
    const starting = await t.request('GET', '/health/ready');
    expect(starting.status).toBe(503);
    expect(starting.headers.get('retry-after')).toBe('1');
    expect(await starting.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', error: 'hub not ready: starting' });
    await t.hub.start();
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', ready: true, broker: 'embedded', replica_id: 'hub-a' });
    expect(await (await t.request('GET', '/health')).json()).toMatchObject({ ready: true });
  });

  it('reports real machine figures to any logged-in user', async () => {
    expect((await t.request('GET', '/api/v1/system/metrics')).status).toBe(401);
    const { token } = await t.userWithRole('viewer');
    const m = (await (await t.request('GET', '/api/v1/system/metrics', { token })).json()) as Record<string, number>;
    expect(m).toMatchObject({ replica_id: 'hub-a', role: 'all', max_concurrent_trainings: 3, replicas: [{ replica_id: 'hub-a', role: 'all', training_slots: 3, leader: true }] });
    expect(m.memory_total_mb).toBe(Math.round(os.totalmem() / 1024 / 1024));
    expect(m.memory_used_mb).toBeGreaterThan(0);
    expect(m.memory_used_mb).toBeLessThanOrEqual(m.memory_total_mb!);
    const disk = fs.statfsSync(t.dataDir);
    expect(m.disk_total_gb).toBeCloseTo((disk.blocks * disk.bsize) / 1024 ** 3, 0);
    expect(m.cpu_usage_percent).toBeGreaterThanOrEqual(0);
    expect(m.cpu_usage_percent).toBeLessThanOrEqual(100);
    expect(m.max_concurrent_trainings).toBe(3);
  });
});

describe('a worker with the fleet environment', () => {
  // Skipped on SQLite: a worker needs the PostgreSQL store (the config refuses it otherwise); `test:pg` runs it.
  it.skipIf(testDatabaseServerUrl() === undefined)('is ready once its parts start: it never opens the device link, so the broker is not waited for', async () => {
    // The same environment file as the api replicas (MQTT_URL included), as systemd units often share one.
    const w = await createTestHub({ PROMETHEUS_ROLE: 'worker', MQTT_URL: 'mqtt://prometheus-admin:secret@127.0.0.1:9' });
    try {
      await w.hub.start();
      const res = await w.request('GET', '/health/ready');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ role: 'worker', broker: 'external', ready: true });
    } finally {
      await w.close();
    }
  });
});
