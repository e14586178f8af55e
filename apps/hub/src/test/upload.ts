import type { TestHub } from './harness.js';

// Test factory: a dataset created through the real upload route (multipart), as a user would.
export interface UploadOptions {
  name?: string;
  equipmentType?: string;
}

/** Uploads CSV text; returns the response (201 with the dataset, or the refusal). */
export function uploadCsv(t: TestHub, token: string, csv: string | Uint8Array, opts: UploadOptions = {}): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([typeof csv === 'string' ? csv : new Uint8Array(csv)], { type: 'text/csv' }), 'data.csv');
  form.append('name', opts.name ?? 'Test dataset');
  form.append('equipment_type', opts.equipmentType ?? 'air_handler');
  return t.request('POST', '/api/v1/datasets', { token, body: form });
}

/** A small air-handler CSV: 15-minute readings of supply/return temperatures and fan speed. */
export function ahuCsv(rows = 48, start = Date.UTC(2026, 0, 1)): string {
  const lines = ['timestamp,supply_temp,return_temp,fan_speed'];
  for (let i = 0; i < rows; i += 1) {
    const t = new Date(start + i * 15 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lines.push(`${t},${(55 + (i % 5) * 0.5).toFixed(1)},${(72 + (i % 3) * 0.25).toFixed(2)},${40 + (i % 4) * 5}`);
  }
  return `${lines.join('\n')}\n`;
}
