// The hardware daemon fake. The spec line it follows is only "Older deployments also poll a hardware
// daemon at `http://127.0.0.1:6100/sensors` every 1 s" (aegis-db-api.md); the body shape is the
// assumption documented in README.md, and these tests pin that assumption.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SENSORS, startHardwareDaemonFake } from './hardware-daemon.js';
import type { HardwareDaemonFake } from './hardware-daemon.js';

describe('hardware-daemon fake', () => {
  let fake: HardwareDaemonFake;
  beforeAll(async () => {
    fake = await startHardwareDaemonFake({ now: () => new Date('2026-01-05T10:00:00Z') });
  });
  afterAll(() => fake.close());

  it('serves the current sensor values with a timestamp at /sensors', async () => {
    const res = await fetch(`${fake.url}/sensors`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ timestamp: '2026-01-05T10:00:00.000Z', sensors: DEFAULT_SENSORS });
  });

  it('reflects readings changed by the test, including a failed sensor as null', async () => {
    fake.set({ supply_temp: 60.5, filter_dp: null });
    const body = (await (await fetch(`${fake.url}/sensors`)).json()) as { sensors: Record<string, number | null> };
    expect(body.sensors).toMatchObject({ supply_temp: 60.5, filter_dp: null, return_temp: DEFAULT_SENSORS.return_temp });
  });

  it('can fail like a daemon whose bus is down', async () => {
    fake.failNext(1, 503);
    expect((await fetch(`${fake.url}/sensors`)).status).toBe(503);
    expect((await fetch(`${fake.url}/sensors`)).status).toBe(200);
  });
});
