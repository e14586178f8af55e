// Fake of the hardware daemon older edge deployments poll every second at
// http://127.0.0.1:6100/sensors (aegis-db-api.md, "How edge controllers use it"). The spec names
// only the URL; the body shape here is an ASSUMPTION, documented in README.md:
//   GET /sensors -> 200 {"timestamp": "<ISO 8601 UTC>", "sensors": {"<point>": number, ...}}
import { createFakeApp, listen } from './shared/http-fake.js';
import type { FakeHandle } from './shared/http-fake.js';

export type SensorValues = Record<string, number | null>;

export interface HardwareDaemonFakeOptions {
  /** Initial readings; defaults to a plausible air-handler snapshot. */
  sensors?: SensorValues;
  latencyMs?: number;
  /** Clock for the `timestamp` field (tests can pin it). */
  now?: () => Date;
}

export interface HardwareDaemonFake extends FakeHandle {
  /** Merge new readings into the current snapshot (null marks a failed sensor). */
  set(values: SensorValues): void;
  readings(): SensorValues;
}

export const DEFAULT_SENSORS: SensorValues = {
  supply_temp: 55.2,
  return_temp: 72.4,
  outside_air_temp: 41.0,
  fan_speed: 68.0,
  damper_position: 35.0,
  filter_dp: 0.62,
};

export async function startHardwareDaemonFake(options: HardwareDaemonFakeOptions = {}): Promise<HardwareDaemonFake> {
  const current: SensorValues = { ...(options.sensors ?? DEFAULT_SENSORS) };
  const now = options.now ?? (() => new Date());
  const { app, faults } = createFakeApp({
    latencyMs: options.latencyMs,
    failureResponse: (c, status) => c.json({ error: 'sensor bus unavailable' }, status as 500),
  });
  app.get('/sensors', (c) => c.json({ timestamp: now().toISOString(), sensors: current }));
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  const handle = await listen(app, faults);
  return {
    ...handle,
    set: (values) => void Object.assign(current, values),
    readings: () => ({ ...current }),
  };
}
