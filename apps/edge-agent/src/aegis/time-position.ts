// Time-ordered resume for the Aegis-DB reader: the position is the last timestamp read (as the server stores it)
// plus the ids of the documents read at exactly that timestamp, so deleting old documents never moves it
// (an offset into the collection would shift, and readings would be skipped).

/** A document as every Aegis-DB read returns it: `{id, data: {_id, ...fields}}`. */
export interface AegisDocument {
  id?: string;
  data?: Record<string, unknown>;
}

/** Offset mode (servers without a usable timestamp filter): documents consumed so far, and newer servers' cursor. */
export interface OffsetPosition {
  mode?: 'offset';
  offset: number;
  cursor?: string | undefined;
}

export interface TimePosition {
  mode: 'time';
  /** The document field that holds the sample time (`timestamp`, `ts` or `time`). */
  field: string;
  /** The last time read, raw (ISO string or epoch number, compared by the server); null before the first document. */
  after: string | number | null;
  /** Ids of the documents already read whose time equals `after` (ties). */
  ids: string[];
  /** Documents consumed so far (a count for `status` and tests; not used to page). */
  offset: number;
}

export type Position = OffsetPosition | TimePosition;

export const TIME_FIELDS = ['timestamp', 'ts', 'time'];

/** The field holding a document's time, when it has one the server can filter on. */
export function timeFieldOf(data: Record<string, unknown> | undefined): string | undefined {
  return TIME_FIELDS.find((f) => typeof data?.[f] === 'string' || typeof data?.[f] === 'number');
}

/** The server's ordering (aegis_document compare_values): numbers with numbers, strings with strings. */
export function compareRaw(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string') return a === b ? 0 : a < b ? -1 : 1;
  return undefined;
}

const idOf = (doc: AegisDocument): string => String(doc.id ?? doc.data?._id ?? '');

/** The query body of the next page: everything at or after `after`, oldest first, enough to get past the known ties. */
export function timeQuery(pos: TimePosition, pageSize: number): Record<string, unknown> {
  return {
    filter: { [pos.field]: pos.after === null ? { $exists: true } : { $gte: pos.after } },
    sort: { field: pos.field, ascending: true },
    limit: pageSize + pos.ids.length,
  };
}

/**
 * The documents of a page not read before, and the position after them. Documents older than `after`
 * (a server that ignored the filter) and the known ties are dropped here, so a replayed page is harmless.
 */
export function advanceTime(pos: TimePosition, page: AegisDocument[]): { fresh: AegisDocument[]; next: TimePosition } {
  const known = new Set(pos.ids);
  const fresh: AegisDocument[] = [];
  let after = pos.after;
  let ids = pos.ids;
  for (const doc of page) {
    const t = doc.data?.[pos.field];
    if (typeof t !== 'string' && typeof t !== 'number') continue;
    const order = after === null ? 1 : compareRaw(t, after);
    if (order === undefined || order < 0 || (order === 0 && known.has(idOf(doc)))) continue;
    if (order > 0) {
      after = t;
      ids = [];
      known.clear();
    }
    ids = [...ids, idOf(doc)];
    known.add(idOf(doc));
    fresh.push(doc);
  }
  return { fresh, next: { ...pos, after, ids, offset: pos.offset + fresh.length } };
}
