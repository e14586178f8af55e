import { describe, expect, it } from 'vitest';
import { DEVICE_TOPICS, DeviceId, TelemetryBatch, deviceTopic, parseDeviceTopic } from './index.js';

// The edge link's topics and the telemetry batch: what the broker's ACL and the hub's ingest rely on.
describe('device topics', () => {
  it('build and split every leaf under the device subtree', () => {
    for (const leaf of Object.values(DEVICE_TOPICS)) {
      const topic = deviceTopic('tgt_abc123', leaf);
      expect(topic).toBe(`prometheus/v1/devices/tgt_abc123/${leaf}`);
      expect(parseDeviceTopic(topic)).toEqual({ deviceId: 'tgt_abc123', leaf });
    }
  });

  it('refuse topics outside a device subtree', () => {
    for (const topic of ['prometheus/v1/devices/', 'prometheus/v1/devices/tgt_abc123', 'prometheus/v1/devices/tgt_abc123/',
      'prometheus/v1/devices//telemetry', 'prometheus/v2/devices/tgt_abc123/telemetry', '$SYS/broker/uptime']) {
      expect(parseDeviceTopic(topic), topic).toBeUndefined();
    }
  });

  it('take only target ids as device ids (one topic level, no wildcards)', () => {
    expect(DeviceId.safeParse('tgt_abc123').success).toBe(true);
    for (const id of ['tgt_ab', 'usr_abc123', 'tgt_abc/123', 'tgt_abc+12', 'tgt_abc#12', '']) {
      expect(DeviceId.safeParse(id).success, id).toBe(false);
    }
  });
});

describe('telemetry batch', () => {
  const reading = { ts: 1_700_000_000_000, values: { supply_temp: 55.2, failed_sensor: null } };

  it('accepts readings with failed sensors as null and defaults dropped to none', () => {
    const batch = TelemetryBatch.parse({ v: 1, seq_from: 1, readings: [reading] });
    expect(batch.dropped).toEqual([]);
    expect(batch.readings[0]!.values.failed_sensor).toBeNull();
  });

  it('refuses an empty or oversized batch, a sequence below 1, a backwards dropped range and non-finite values', () => {
    const bad = [
      { v: 1, seq_from: 1, readings: [] },
      { v: 1, seq_from: 1, readings: Array.from({ length: 1001 }, () => reading) },
      { v: 1, seq_from: 0, readings: [reading] },
      { v: 1, seq_from: 1, readings: [reading], dropped: [{ from: 5, to: 4 }] },
      { v: 1, seq_from: 1, readings: [{ ts: 1, values: { t: Number.NaN } }] },
      { v: 2, seq_from: 1, readings: [reading] },
    ];
    for (const body of bad) expect(TelemetryBatch.safeParse(body).success, JSON.stringify(body).slice(0, 80)).toBe(false);
  });
});
