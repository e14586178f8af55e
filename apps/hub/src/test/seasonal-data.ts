// Test data: three days of half-hourly air-handler readings with a daily cycle in the temperatures, one
// supply-temperature spike and one missing return-temperature cell, plus the figures an analysis should
// state about it, computed here independently of the hub.
export const ROWS = 144;
const SPIKE_AT = 100;
const MISSING_AT = 7;

function reading(i: number): { t: string; supply: number; ret: number | null; fan: number } {
  const phase = (2 * Math.PI * i) / 48;
  return {
    t: new Date(Date.UTC(2026, 0, 5) + i * 30 * 60_000).toISOString().replace('.000Z', 'Z'),
    supply: i === SPIKE_AT ? 95 : Math.round((55 + 3 * Math.sin(phase)) * 100) / 100,
    ret: i === MISSING_AT ? null : Math.round((72 + 0.5 * Math.cos(phase)) * 100) / 100,
    fan: 40 + (i % 4) * 5,
  };
}

export function seasonalCsv(): string {
  const lines = ['timestamp,supply_temp,return_temp,fan_speed'];
  for (let i = 0; i < ROWS; i += 1) {
    const r = reading(i);
    lines.push(`${r.t},${r.supply},${r.ret ?? ''},${r.fan}`);
  }
  return `${lines.join('\n')}\n`;
}

export function expectedStats(column: 'supply_temp' | 'return_temp' | 'fan_speed'): { mean: number; min: number; max: number } {
  const values = Array.from({ length: ROWS }, (_, i) => reading(i))
    .map((r) => (column === 'supply_temp' ? r.supply : column === 'return_temp' ? r.ret : r.fan))
    .filter((v): v is number => v !== null);
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

/** Reads "column: mean X, min Y, max Z" back out of an answer. */
export function statedStats(text: string, column: string): { mean: number; min: number; max: number } | undefined {
  const m = new RegExp(`${column}: mean (-?[\\d.]+), min (-?[\\d.]+), max (-?[\\d.]+)`).exec(text);
  return m ? { mean: Number(m[1]), min: Number(m[2]), max: Number(m[3]) } : undefined;
}
