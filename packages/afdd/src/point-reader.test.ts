import { expect, it } from 'vitest';
import { parseAfddSettings, pointReader, RuleMonitor, toCanonicalValue, type PointRole } from './index.js';

const points: PointRole[] = [
  { column: 'AHU1.SAT', brick_class: 'Supply_Air_Temperature_Sensor', input: 'sat', unit: 'C' },
  { column: 'AHU1.OAD', brick_class: 'Damper_Position_Command', input: 'oa_damper', unit: 'percent' },
  { column: 'AHU1.FAN', brick_class: null, input: 'fan_status', unit: 'binary' },
  { column: 'AHU1.NOTE', brick_class: null, input: null, unit: null },
];

it('maps a row keyed by sensor name to canonical inputs, leaving out missing and non-numeric values', () => {
  const reader = pointReader(points);
  expect(reader.inputs).toEqual(['sat', 'oa_damper', 'fan_status']);
  expect(reader.read({ 'AHU1.SAT': 12.5, 'AHU1.OAD': 40, 'AHU1.FAN': 1, 'AHU1.NOTE': 7 })).toEqual({ sat: 54.5, oa_damper: 0.4, fan_status: 1 });
  expect(reader.read({ 'AHU1.SAT': Number.NaN, 'AHU1.OAD': '40', other: 3 })).toEqual({});
});

it('feeds a RuleMonitor built from the same map', () => {
  const reader = pointReader(points);
  const monitor = new RuleMonitor(parseAfddSettings({}), reader.inputs);
  expect(monitor.push(0, reader.read({ 'AHU1.SAT': 12.5 }))).toEqual({ started: [], cleared: [] });
  expect(toCanonicalValue(100, 'C')).toBe(212);
});
