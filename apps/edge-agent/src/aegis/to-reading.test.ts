import { describe, expect, it } from 'vitest';
import { toEpochMs, toReading } from './to-reading.js';

describe('toReading', () => {
  it('reads epoch seconds, milliseconds and ISO times', () => {
    expect(toEpochMs(1_772_800_000)).toBe(1_772_800_000_000);
    expect(toEpochMs(1_772_800_000_123)).toBe(1_772_800_000_123);
    expect(toEpochMs('2026-03-06T12:00:00Z')).toBe(Date.UTC(2026, 2, 6, 12));
    expect(toEpochMs('yesterday')).toBeUndefined();
  });

  it('keeps numeric sensor fields and nulls, drops ids and text', () => {
    expect(toReading({ _id: 'a', timestamp: '2026-03-06T12:00:00Z', supply_temp: 55.2, damper_position: null, mode: 'occupied', alarm: true }))
      .toEqual({ ts: Date.UTC(2026, 2, 6, 12), values: { supply_temp: 55.2, damper_position: null, alarm: 1 } });
    expect(toReading({ supply_temp: 1 })).toBeUndefined();
  });
});
