import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3030);
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.sessionTtlMs).toBe(24 * 3_600_000);
    expect(c.rateLimits).toEqual({ loginPerMin: 30, apiPerMin: 1000, agentPerMin: 20 });
    expect(c.training.maxConcurrent).toBe(os.availableParallelism());
    expect(c.publicUrl).toBe('http://localhost:3030');
    expect(c.logMaxQueuedBytes).toBe(1024 * 1024);
  });

  it('names every bad variable and never falls back silently', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', SESSION_TTL_HOURS: '-1', SMTP_URL: 'http://mail', PROMETHEUS_ADMIN_PASSWORD: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'SESSION_TTL_HOURS', 'SMTP_URL', 'PROMETHEUS_ADMIN_PASSWORD']) expect(message).toContain(name);
  });

  it('caps what an MQTT client may send, and refuses a packet limit a deploy chunk would not fit', () => {
    expect(loadConfig({}).mqtt.limits).toEqual({ maxPacketBytes: 4 * 1024 * 1024, preAuthBytes: 16 * 1024, connectTimeoutMs: 5000, maxConnectionsPerIp: 100 });
    expect(() => loadConfig({ DEPLOY_CHUNK_BYTES: String(256 * 1024), MQTT_MAX_PACKET_BYTES: String(256 * 1024) }))
      .toThrow(/MQTT_MAX_PACKET_BYTES: must hold a deploy chunk: at least DEPLOY_CHUNK_BYTES \+ 1024/);
    expect(loadConfig({ DEPLOY_CHUNK_BYTES: String(256 * 1024), MQTT_MAX_PACKET_BYTES: String(257 * 1024) }).mqtt.limits.maxPacketBytes).toBe(257 * 1024);
  });

  it('runs api and worker processes only on a shared PostgreSQL store', () => {
    expect(() => loadConfig({ PROMETHEUS_ROLE: 'worker' })).toThrow(/PROMETHEUS_ROLE: api and worker processes share a PostgreSQL store: set DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must start with postgres/);
    const c = loadConfig({ PROMETHEUS_ROLE: 'api', DATABASE_URL: 'postgres://db/hub', TRAINING_LEASE_SECONDS: '10' });
    expect(c.cluster).toMatchObject({ role: 'api', databaseUrl: 'postgres://db/hub' });
    expect(c.training.leaseMs).toBe(10_000);
    expect(loadConfig({}).cluster.replicaId).toMatch(/-\d+-[0-9a-f]{4}$/);
  });

  it('gives the external broker consumer a persistent session, stable under PROMETHEUS_REPLICA_ID', () => {
    const url = 'mqtt://hub:secret@broker:1883';
    expect(loadConfig({ MQTT_URL: url }).mqtt.external).toMatchObject({ sessionExpiryS: 15, stableId: undefined });
    expect(loadConfig({ MQTT_URL: url, MQTT_SESSION_EXPIRY_S: '0', PROMETHEUS_REPLICA_ID: 'hub-a-1' }).mqtt.external)
      .toMatchObject({ sessionExpiryS: 0, stableId: 'hub-a-1' });
    expect(() => loadConfig({ MQTT_URL: url, MQTT_SESSION_EXPIRY_S: '-5' })).toThrow(/MQTT_SESSION_EXPIRY_S/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', SMTP_URL: '' }).port).toBe(3030);
  });
});
