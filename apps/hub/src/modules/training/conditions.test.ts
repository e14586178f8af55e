import { describe, expect, it } from 'vitest';
import { conditionColumns } from './conditions.js';

describe('operating-condition columns', () => {
  it('are the outdoor-air temperature and the occupancy mode, never set points or the equipment\'s responses', () => {
    const lbnl = ['Datetime', 'AHU: Supply Air Temperature', 'AHU: Supply Air Temperature Set Point', 'AHU: Outdoor Air Temperature', 'AHU: Mixed Air Temperature',
      'AHU: Outdoor Air Damper Control Signal  ', 'AHU: Cooling Coil Valve Control Signal', 'Occupancy Mode Indicator', 'Fault Detection Ground Truth'];
    expect(conditionColumns(lbnl)).toEqual({ ranges: ['AHU: Outdoor Air Temperature'], modes: ['Occupancy Mode Indicator'] });
    expect(conditionColumns(['OAT', 'SAT', 'occupied'])).toEqual({ ranges: ['OAT'], modes: ['occupied'] });
    expect(conditionColumns(['supply_temp', 'return_temp', 'fan_speed'])).toEqual({ ranges: [], modes: [] });
  });
});
