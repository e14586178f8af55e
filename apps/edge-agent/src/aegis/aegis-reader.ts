import type { Reading } from '@prometheus/protocol';
import type { Logger } from '../logger.js';
import type { Outbox } from '../outbox/outbox.js';
import { toReading } from './to-reading.js';

export interface AegisReaderOptions {
  url: string;
  token: string | undefined;
  collection: string;
  pageSize: number;
  maxPerPoll: number;
  timeoutMs: number;
}

/** Where the reader is in the collection: documents consumed, and the newer servers' opaque cursor for the next page. */
interface Position {
  offset: number;
  cursor?: string | undefined;
}

interface Envelope {
  documents?: { id?: string; data?: Record<string, unknown> }[];
  next_cursor?: string | null;
}

const POSITION_KEY = 'aegis.position';

export class SourceError extends Error {
  override readonly name = 'SourceError';
}

/**
 * Reads the controller's Aegis-DB collection page by page (aegis-db-api.md "Document store"): documents
 * are wrapped (`documents[].data`), pages come by `cursor` on newer servers and `skip`/`limit` on older
 * ones, and a bearer token is sent when configured. Each page goes into the outbox in the same commit as
 * the position after it, so a restart resumes exactly where the last commit left off.
 */
export function createAegisReader(opts: AegisReaderOptions, outbox: Outbox, log: Logger) {
  const base = opts.url.replace(/\/$/, '');
  const position = (): Position => JSON.parse(outbox.meta(POSITION_KEY) ?? '{"offset":0}') as Position;

  async function fetchPage(pos: Position): Promise<Envelope | undefined> {
    const params = new URLSearchParams({ limit: String(opts.pageSize), skip: String(pos.offset) });
    if (pos.cursor) params.set('cursor', pos.cursor);
    const res = await fetch(`${base}/api/v1/documents/collections/${encodeURIComponent(opts.collection)}/documents?${params}`, {
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    if (res.status === 404) return undefined; // the collection does not exist (yet)
    if (!res.ok) throw new SourceError(`Aegis-DB answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as Envelope;
  }

  return {
    name: 'aegis',
    /** Reads what is new; returns how many readings went into the outbox. */
    async poll(): Promise<number> {
      let taken = 0;
      let skipped = 0;
      for (;;) {
        const pos = position();
        const page = await fetchPage(pos);
        const docs = page?.documents ?? [];
        if (docs.length === 0) break;
        const readings: Reading[] = [];
        for (const doc of docs) {
          const r = doc.data ? toReading(doc.data) : undefined;
          if (r) readings.push(r);
          else skipped += 1;
        }
        const next: Position = { offset: pos.offset + docs.length, cursor: page?.next_cursor ?? undefined };
        outbox.append(readings, { key: POSITION_KEY, value: JSON.stringify(next) });
        taken += readings.length;
        const more = next.cursor !== undefined || docs.length >= opts.pageSize;
        if (!more || taken >= opts.maxPerPoll) break;
      }
      if (skipped > 0) log.warn('documents without a usable timestamp skipped', { skipped, collection: opts.collection });
      return taken;
    },
  };
}
