import { COLUMN_COST_KB, columnsPerQuery, inBatches, type ColumnBatch } from './column-batches.js';
import { ident, isOutOfMemory, type DatasetEngine } from './engine.js';

// Reading a wide dataset in batches of columns (column-batches.ts). Every batch must see the same rows in the
// same order: DuckDB keeps a file's row order (insertion order is preserved by default), and
// `row_number() OVER ()` numbers rows in that order, so a row is known by its number in every batch.

type Cell = string | null;

/** The cells of `batch` for rows `limit` from `offset` in file order (`rows`: 1-based row numbers instead). */
async function cellsOf(engine: DatasetEngine, batch: ColumnBatch, page: { limit: number; offset: number } | { rows: number[] }): Promise<Cell[][]> {
  const select = batch.columns.map((c, i) => `${ident(c)} AS c${i}`).join(', ');
  const read = (r: Record<string, Cell>) => batch.columns.map((_, i) => r[`c${i}`] ?? null);
  if ('limit' in page) {
    const rows = await engine.query<Record<string, Cell>>(`SELECT ${select} FROM ${batch.relation} LIMIT ${page.limit} OFFSET ${page.offset}`);
    return rows.map(read);
  }
  if (page.rows.length === 0) return [];
  const rows = await engine.query<Record<string, Cell> & { rn: number }>(`SELECT rn, ${select} FROM (SELECT row_number() OVER () AS rn, * FROM ${batch.relation}) `
    + `WHERE rn IN (${page.rows.join(', ')})`);
  const byRow = new Map(rows.map((r) => [Number(r.rn), read(r)]));
  return page.rows.map((rn) => byRow.get(rn) ?? batch.columns.map(() => null));
}

async function sortedPage(engine: DatasetEngine, batch: ColumnBatch, page: { limit: number; offset: number }, sort: PageSort): Promise<Cell[][]> {
  const select = batch.columns.map((c, i) => `${ident(c)} AS c${i}`).join(', ');
  const rows = await engine.query<Record<string, Cell>>(`SELECT ${select} FROM ${batch.relation} ORDER BY ${sort.key} ${sort.dir} NULLS LAST LIMIT ${page.limit} OFFSET ${page.offset}`);
  return rows.map((r) => batch.columns.map((_, i) => r[`c${i}`] ?? null));
}

/** A sort: the relation holding the key, the key expression, the direction. */
export interface PageSort {
  relation: string;
  key: string;
  dir: 'ASC' | 'DESC';
}

/**
 * One page of rows over every batch. Sorted: the key alone is sorted first (ties in file order) to find the
 * page's row numbers, then each batch fetches those rows, so no query holds more than one batch of columns
 * (a top-N sort carrying 200 columns alone wanted more than 128 MB).
 */
export async function pageByColumns(engine: DatasetEngine, batches: ColumnBatch[], page: { limit: number; offset: number }, sort?: PageSort): Promise<Cell[][]> {
  let spec: { limit: number; offset: number } | { rows: number[] } = page;
  const [only] = batches;
  if (sort && only && batches.length === 1 && only.columns.length <= columnsPerQuery(engine, COLUMN_COST_KB.sortCarry)) {
    // Few columns: one pass, the sort carrying them (as before wide data); short of memory, the two steps below.
    const sorted = await sortedPage(engine, only, page, sort).catch((err: unknown) => {
      if (!isOutOfMemory(err)) throw err;
      return undefined;
    });
    if (sorted) return sorted;
  }
  if (sort) {
    const order = await engine.query<{ rn: number }>(`SELECT rn FROM (SELECT row_number() OVER () AS rn, ${sort.key} AS k FROM ${sort.relation}) `
      + `ORDER BY k ${sort.dir} NULLS LAST, rn LIMIT ${page.limit} OFFSET ${page.offset}`);
    spec = { rows: order.map((r) => Number(r.rn)) };
  }
  const parts = await inBatches(batches, (batch) => cellsOf(engine, batch, spec));
  const length = Math.min(...parts.map((p) => p.length));
  return Array.from({ length }, (_, i) => parts.flatMap((p) => p[i]!));
}

/**
 * Numeric arrays of every column in `batches` (each column's values from `expr`), rows in the order given by
 * `order` (1-based row numbers; absent: file order). Each batch is read in file order and permuted here.
 */
export async function arraysByColumns(engine: DatasetEngine, batches: ColumnBatch[], expr: (column: string) => string, order?: Float64Array): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  await inBatches(batches, async (batch) => {
    const select = batch.columns.map((c, i) => `${expr(c)} AS v${i}`).join(', ');
    const { values } = await engine.numberColumns(`SELECT ${select} FROM ${batch.relation}`);
    batch.columns.forEach((c, i) => {
      const col = values[i] ?? new Float64Array(0);
      out.set(c, order ? Float64Array.from(order, (rn) => col[rn - 1] ?? NaN) : col);
    });
  });
  return out;
}

/** Row numbers in time order (ties and unparseable times in file order, the latter last) and the times. */
export async function timeOrder(engine: DatasetEngine, relation: string, time: string): Promise<{ order: Float64Array; times: Float64Array }> {
  const { values } = await engine.numberColumns(`SELECT CAST(rn AS DOUBLE), CAST(t AS DOUBLE) FROM (SELECT row_number() OVER () AS rn, ${time} AS t FROM ${relation}) ORDER BY t NULLS LAST, rn`);
  return { order: values[0] ?? new Float64Array(0), times: values[1] ?? new Float64Array(0) };
}
