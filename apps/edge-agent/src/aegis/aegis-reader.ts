import type { Reading } from '@prometheus/protocol';
import { httpRequest, type HttpAnswer } from '../http-client.js';
import type { Logger } from '../logger.js';
import type { Outbox } from '../outbox/outbox.js';
import {
  advanceTime, compareRaw, timeFieldOf, timeQuery, type AegisDocument, type OffsetPosition, type Position, type TimePosition,
} from './time-position.js';
import { toReading } from './to-reading.js';

export interface AegisReaderOptions {
  url: string;
  token: string | undefined;
  collection: string;
  pageSize: number;
  maxPerPoll: number;
  timeoutMs: number;
}

interface Envelope {
  documents?: AegisDocument[];
  next_cursor?: string | null;
}

const POSITION_KEY = 'aegis.position';

export class SourceError extends Error {
  override readonly name = 'SourceError';
}

/** The server has no usable `/query` for this collection: keep paging by offset. */
class NoTimeQuery extends Error {}

/**
 * Reads the controller's Aegis-DB collection page by page (aegis-db-api.md "Document store"; documents are
 * wrapped in `documents[].data`, a bearer token is sent when configured). Where the collection answers a
 * timestamp filter, pages are `POST /query {filter: {timestamp: {$gte: last}}, sort: timestamp}` and the
 * position is the last timestamp read (plus the ids read at it): the controller may delete old documents
 * without moving it. Otherwise (older servers, documents without a time field) the reader pages by offset
 * (`skip`/`limit`, `cursor` on newer servers). Each page goes into the outbox in the same commit as the
 * position after it, so a restart resumes exactly where the last commit left off.
 */
export function createAegisReader(opts: AegisReaderOptions, outbox: Outbox, log: Logger) {
  const base = `${opts.url.replace(/\/$/, '')}/api/v1/documents/collections/${encodeURIComponent(opts.collection)}`;
  const headers = (json: boolean): Record<string, string> => ({
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}),
  });
  const position = (): Position => JSON.parse(outbox.meta(POSITION_KEY) ?? '{"offset":0}') as Position;
  const save = (pos: Position, readings: Reading[] = []) => outbox.append(readings, { key: POSITION_KEY, value: JSON.stringify(pos) });

  async function answer(res: HttpAnswer): Promise<Envelope | undefined> {
    const body = (await res.json().catch(() => undefined)) as (Envelope & { code?: string }) | undefined;
    if (res.status === 404 && Array.isArray(body?.documents)) return undefined; // the collection does not exist (yet)
    if (!res.ok) throw new SourceError(`Aegis-DB answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
    return body;
  }

  async function listPage(skip: number, limit: number, cursor?: string): Promise<Envelope | undefined> {
    const params = new URLSearchParams({ limit: String(limit), skip: String(skip) });
    if (cursor) params.set('cursor', cursor);
    return answer(await httpRequest(`${base}/documents?${params}`, { headers: headers(false), timeoutMs: opts.timeoutMs }));
  }

  async function query(body: Record<string, unknown>): Promise<Envelope | undefined> {
    const res = await httpRequest(`${base}/query`, { method: 'POST', headers: headers(true), body: JSON.stringify(body), timeoutMs: opts.timeoutMs });
    // An unknown route (no `documents` in the 404), or a server that refuses the body: no time queries here.
    if ([404, 405, 400, 422, 501].includes(res.status)) {
      const parsed = await answer(res).catch(() => null);
      if (parsed === null) throw new NoTimeQuery();
      return parsed;
    }
    return answer(res);
  }

  /**
   * Decides the mode once, when the collection has documents: time mode when the oldest document has a time
   * field and the server both sorts and filters on it. An offset position left by an older agent is carried
   * over from the last document it read.
   */
  async function decide(pos: OffsetPosition): Promise<Position | undefined> {
    try {
      const first = (await query({ limit: 1 }))?.documents?.[0];
      if (!first) return pos.offset === 0 ? undefined : { ...pos, mode: 'offset' };
      const field = timeFieldOf(first.data);
      if (!field || !(await filtersOn(field))) return { ...pos, mode: 'offset' };
      if (pos.offset === 0) return { mode: 'time', field, after: null, ids: [], offset: 0 };
      const last = (await listPage(pos.offset - 1, 1))?.documents?.[0];
      const after = last?.data?.[field];
      if (typeof after !== 'string' && typeof after !== 'number') return { ...pos, mode: 'offset' };
      return { mode: 'time', field, after, ids: [String(last?.id ?? '')], offset: pos.offset };
    } catch (err) {
      if (err instanceof NoTimeQuery) return { ...pos, mode: 'offset' };
      throw err;
    }
  }

  /** Whether the server sorts both ways and filters on `field` (a server that ignores either would skip readings). */
  async function filtersOn(field: string): Promise<boolean> {
    const times = async (body: Record<string, unknown>) => ((await query(body))?.documents ?? []).map((d) => d.data?.[field]);
    const asc = await times({ sort: { field, ascending: true }, limit: 2 });
    const desc = await times({ sort: { field, ascending: false }, limit: 2 });
    if (asc.length === 2 && (compareRaw(asc[0], asc[1]) ?? 1) > 0) return false;
    if (desc.length === 2 && (compareRaw(desc[0], desc[1]) ?? -1) < 0) return false;
    const [above] = await times({ filter: { [field]: { $gt: asc[0] } }, sort: { field, ascending: true }, limit: 1 });
    return above === undefined || compareRaw(above, asc[0]) === 1;
  }

  /** One page: its readings, the position after it, and whether more may follow. */
  type Step = { docs: AegisDocument[]; next: Position; more: boolean };

  async function offsetStep(pos: OffsetPosition): Promise<Step> {
    const page = await listPage(pos.offset, opts.pageSize, pos.cursor);
    const docs = page?.documents ?? [];
    const cursor = page?.next_cursor ?? undefined;
    // Sent a cursor and given the same one back with documents: the next page would repeat this one forever.
    if (docs.length > 0 && cursor !== undefined && cursor === pos.cursor) {
      throw new SourceError(`Aegis-DB answered cursor '${cursor.slice(0, 80)}' with the same next_cursor; not paging in a loop`);
    }
    const next: OffsetPosition = { mode: 'offset', offset: pos.offset + docs.length, cursor };
    // A server may cap pages below the size asked: only an empty page is the end.
    return { docs, next, more: docs.length > 0 };
  }

  async function timeStep(pos: TimePosition): Promise<Step> {
    const body = timeQuery(pos, opts.pageSize);
    const page = (await query(body))?.documents ?? [];
    const { fresh, next } = advanceTime(pos, page);
    // Not `page.length >= limit`: a server capping its pages would end every poll after its first page.
    return { docs: fresh, next, more: fresh.length > 0 };
  }

  return {
    name: 'aegis',
    /** The stored position (`status`, tests). */
    position,
    /** Reads what is new; returns how many readings went into the outbox. */
    async poll(): Promise<number> {
      let taken = 0;
      let skipped = 0;
      for (;;) {
        let pos = position();
        if (pos.mode === undefined) {
          const decided = await decide(pos);
          if (!decided) break;
          save(decided);
          log.info('aegis resume mode', { mode: decided.mode, collection: opts.collection });
          pos = decided;
        }
        const step = pos.mode === 'time' ? await timeStep(pos) : await offsetStep(pos);
        const readings: Reading[] = [];
        for (const doc of step.docs) {
          const r = doc.data ? toReading(doc.data) : undefined;
          if (r) readings.push(r);
          else skipped += 1;
        }
        if (step.docs.length > 0) save(step.next, readings);
        taken += readings.length;
        if (!step.more || taken >= opts.maxPerPoll) break;
      }
      if (skipped > 0) log.warn('documents without a usable timestamp skipped', { skipped, collection: opts.collection });
      return taken;
    },
  };
}
