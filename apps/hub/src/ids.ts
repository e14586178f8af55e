import { randomBytes } from 'node:crypto';

// Prefixed ids: a reader of a log line or URL knows what kind of thing it is looking at.
export type IdPrefix = 'usr' | 'ses' | 'ds' | 'tr' | 'mdl' | 'eval' | 'dep' | 'tgt' | 'conv' | 'evt' | 'alr' | 'dgn' | 'rol';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** ISO 8601 UTC without milliseconds, as the contract writes times. */
export function isoNow(now: Date = new Date()): string {
  return isoTime(now);
}

export function isoTime(t: Date | number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
