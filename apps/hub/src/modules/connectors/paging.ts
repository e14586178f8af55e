import { upstreamFailed } from './upstream.js';

// Paging for sources that answer a page at a time (Aegis-DB documents, the MongoDB Data API). A server may
// cap a page below the `limit` asked (a configured page size), so a short page is not the end: follow
// `next_cursor` while one is given, else keep asking for the next `skip` until a page comes back empty.

export interface Page<T> {
  items: T[];
  /** The server's cursor for the next page, when it gives one. */
  nextCursor?: string | undefined;
  /** Identity of the page's first item (a document id), to notice a server that ignores `skip`. */
  firstId?: string | undefined;
}

export interface PageRequest {
  limit: number;
  /** Items the server has returned so far (the offset of the next page). */
  skip: number;
  cursor: string | undefined;
}

export interface PageAllOptions<T> {
  /** What error messages call the source. */
  what: string;
  /** Largest page asked for. */
  pageSize: number;
  /** Stop once this many items are kept (the caller asks for one past its row cap to learn that more exist). */
  want: number;
  fetch: (req: PageRequest) => Promise<Page<T>>;
  /** Items to keep (a filter the server cannot apply); the rest still advance the offset. */
  keep?: (item: T) => boolean;
}

/** Pages until an empty page or `want` kept items; a repeated cursor or page is the server's fault (502), never a loop. */
export async function pageAll<T>(opts: PageAllOptions<T>): Promise<T[]> {
  const out: T[] = [];
  const cursors = new Set<string>();
  let skip = 0;
  let cursor: string | undefined;
  let previousFirst: string | undefined;
  while (out.length < opts.want) {
    const page = await opts.fetch({ limit: Math.min(opts.pageSize, opts.want - out.length), skip, cursor });
    if (page.items.length === 0) break;
    if (cursor === undefined && page.firstId !== undefined && page.firstId === previousFirst) {
      throw upstreamFailed(opts.what, `The server answered the page at offset ${skip} with the same documents as the page before (it ignores skip); import stopped`);
    }
    previousFirst = page.firstId;
    skip += page.items.length;
    for (const item of page.items) if (opts.keep?.(item) ?? true) out.push(item);
    cursor = page.nextCursor;
    if (cursor === undefined) continue;
    if (cursors.has(cursor)) {
      throw upstreamFailed(opts.what, `The server returned the cursor '${cursor.slice(0, 80)}' a second time after ${skip} documents; import stopped instead of paging forever`);
    }
    cursors.add(cursor);
  }
  return out.slice(0, opts.want);
}
