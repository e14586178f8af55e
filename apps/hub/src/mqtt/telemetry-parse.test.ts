import { describe, expect, it } from 'vitest';
import { TelemetryBatch, deviceTopic, parseDeviceTopic, parseTelemetryBatch } from '@prometheus/protocol';

const reading = (ts: unknown = 1_772_800_000_000, values: unknown = { supply_temp: 55.2, damper_position: null }) => ({ ts, values });
const batch = (over: Record<string, unknown> = {}) => ({ v: 1, seq_from: 1, readings: [reading()], ...over });

// Every case through both parsers: the hand-checked hot path must answer exactly as the schema does.
const cases: [string, unknown][] = [
  ['minimal', batch()],
  ['with sent_at and an extra key', batch({ sent_at: 5, extra: 'x' })],
  ['dropped ranges', batch({ dropped: [{ from: 1, to: 9 }] })],
  ['bad dropped range', batch({ dropped: [{ from: 9, to: 1 }] })],
  ['v2', batch({ v: 2 })],
  ['seq 0', batch({ seq_from: 0 })],
  ['fractional seq', batch({ seq_from: 1.5 })],
  ['unsafe seq', batch({ seq_from: 2 ** 60 })],
  ['no readings', batch({ readings: [] })],
  ['1001 readings', batch({ readings: Array.from({ length: 1001 }, () => reading()) })],
  ['1000 readings', batch({ readings: Array.from({ length: 1000 }, () => reading()) })],
  ['negative ts', batch({ readings: [reading(-1)] })],
  ['string ts', batch({ readings: [reading('2026-01-01')] })],
  ['NaN-ish value', batch({ readings: [reading(1, { a: 'NaN' })] })],
  ['empty key', batch({ readings: [reading(1, { '': 1 })] })],
  ['long key', batch({ readings: [reading(1, { ['k'.repeat(129)]: 1 })] })],
  ['array values', batch({ readings: [reading(1, [1, 2])] })],
  ['reading with extra key', batch({ readings: [{ ...reading(), seq: 3 }] })],
  ['null', null],
  ['array', [batch()]],
];

describe('parseTelemetryBatch', () => {
  it.each(cases)('%s: same answer as the schema', (_name, input) => {
    const schema = TelemetryBatch.safeParse(input);
    expect(parseTelemetryBatch(JSON.stringify(input))).toEqual(schema.success ? schema.data : undefined);
  });

  it('refuses what is not JSON', () => {
    expect(parseTelemetryBatch('{nope')).toBeUndefined();
  });
});

describe('device topics', () => {
  it('round-trips and refuses other trees', () => {
    expect(parseDeviceTopic(deviceTopic('tgt_abc123', 'deploy/chunk'))).toEqual({ deviceId: 'tgt_abc123', leaf: 'deploy/chunk' });
    expect(parseDeviceTopic('prometheus/v1/devices/tgt_abc123')).toBeUndefined();
    expect(parseDeviceTopic('other/v1/devices/x/telemetry')).toBeUndefined();
  });
});
