import { ApiError } from '../../api/client.js';

// The hub names each bad field of a point map as `'points.3.input' 'sat' is already the input of points.0 ('SAT')`
// (several joined by "; "): the editor shows each message beside the field it names.
export type PointField = 'column' | 'brick_class' | 'input' | 'unit';
export type FieldErrors = Map<string, string>;

export const fieldKey = (index: number, field: PointField) => `${index}.${field}`;

const NAMED = /'points\.(\d+)\.(column|brick_class|input|unit)'\s+(.*?)(?=;\s*'points\.\d+\.|$)/gs;

/** The messages of a 400 by row and field; what names no field of a row stays in `rest`. */
export function pointFieldErrors(err: unknown): { fields: FieldErrors; rest: unknown } {
  const fields: FieldErrors = new Map();
  if (!(err instanceof ApiError) || err.status !== 400) return { fields, rest: err };
  const text = err.details ?? err.message;
  for (const m of text.matchAll(NAMED)) {
    const key = fieldKey(Number(m[1]), m[2] as PointField);
    const message = m[3]!.trim().replace(/;$/, '');
    fields.set(key, fields.has(key) ? `${fields.get(key)!} ${message}` : message);
  }
  return { fields, rest: fields.size > 0 ? undefined : err };
}
