import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrollResponse } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../apps/hub/src/test/harness.js';
import { startTestBroker, type TestBroker } from './broker/mosquitto.js';
import { removeTempDirs, tempDir } from './edge-link/harness.js';

// Enrollment tokens are single use however many requests race on one: exactly one enrollment succeeds, and the
// credentials it hands out are the ones Mosquitto's dynamic security holds (a loser that reached the broker
// would have replaced the winner's password there).
let broker: TestBroker;
let t: TestHub;
let admin: string;

beforeAll(async () => {
  broker = await startTestBroker(tempDir('mosquitto-enroll-race'));
  t = await createTestHub(broker.env);
  await t.hub.start();
  admin = await t.adminToken();
}, 60_000);
afterAll(async () => {
  await t?.close();
  await broker?.stop();
  removeTempDirs();
});

const connects = async (url: string, e: EnrollResponse): Promise<boolean> => {
  try {
    const c = await mqtt.connectAsync(url, { clientId: e.device_id, username: e.device_id, password: e.device_secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 });
    await c.endAsync();
    return true;
  } catch {
    return false;
  }
};

describe('enrollment races', () => {
  it('gives one success per token, with credentials the broker accepts', async () => {
    for (let round = 0; round < 3; round++) {
      const created = await t.request('POST', '/api/v1/deployments/targets', { token: admin, json: { name: `Raced ${round}`, arch: 'x64' } });
      expect(created.status).toBe(201);
      const { enrollment_token } = (await created.json()) as { enrollment_token: string };
      const answers = await Promise.all([0, 1, 2].map(() =>
        t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token, agent_version: '0.1.0', arch: 'x64' } })));
      const ok = answers.filter((r) => r.status === 201);
      expect(ok).toHaveLength(1);
      for (const r of answers.filter((a) => a.status !== 201)) expect(((await r.json()) as { code: string }).code).toBe('INVALID_TOKEN');
      const won = (await ok[0]!.json()) as EnrollResponse;
      expect(await connects(broker.publicUrl, won)).toBe(true);
    }
  }, 60_000);
});
