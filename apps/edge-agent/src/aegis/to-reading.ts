import type { Reading } from '@prometheus/protocol';

// Controller documents hold a timestamp plus one field per sensor point (aegis-db-api.md).
const TIME_FIELDS = ['timestamp', 'ts', 'time'];
const SKIP = new Set(['_id', 'id', ...TIME_FIELDS]);

/** Epoch ms from seconds, milliseconds or an ISO 8601 string; undefined when it is none of them. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.round(value < 1e11 ? value * 1000 : value);
  if (typeof value === 'string' && value.trim() !== '') {
    const asNumber = Number(value);
    if (Number.isFinite(asNumber)) return toEpochMs(asNumber);
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/** A sample document to a reading: numeric fields become values, null a failed sensor; text fields are left out. */
export function toReading(fields: Record<string, unknown>): Reading | undefined {
  const timeField = TIME_FIELDS.find((f) => fields[f] !== undefined);
  const ts = timeField ? toEpochMs(fields[timeField]) : undefined;
  if (ts === undefined) return undefined;
  const values: Reading['values'] = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SKIP.has(key) || key.length > 128) continue;
    if (typeof value === 'number' && Number.isFinite(value)) values[key] = value;
    else if (value === null) values[key] = null;
    else if (typeof value === 'boolean') values[key] = value ? 1 : 0;
  }
  return { ts, values };
}
