import { describe, expect, it } from 'vitest';
import { AFDD_INPUTS, POINT_UNITS } from './index.js';

describe('vocabulary', () => {
  it('names each AFDD input and unit once', () => {
    expect(new Set(AFDD_INPUTS).size).toBe(AFDD_INPUTS.length);
    expect(new Set(POINT_UNITS).size).toBe(POINT_UNITS.length);
    expect(AFDD_INPUTS).toContain('sat');
    expect(AFDD_INPUTS).toContain('oa_damper');
  });
});
