import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { AppError } from '../../errors.js';

// The dataset engine: one in-process DuckDB per hub, no tables of its own. It reads the stored CSV or
// Parquet files directly (streaming, vectorized), which is what makes stats, sorted preview and zstd
// compression cheap. Threads and memory are capped so it shares the box with the rest of the hub.
export interface EngineOptions {
  threads: number;
  memoryMb: number;
  tmpDir: string;
}

export interface DatasetEngine {
  /** The caps it runs under: wide queries size their column batches from them (column-batches.ts). */
  readonly limits: { threads: number; memoryMb: number };
  /** Runs a statement and returns its rows as objects of JS values (BIGINT as number when safe). */
  query<T = Record<string, unknown>>(sql: string, params?: DuckDBValue[]): Promise<T[]>;
  /**
   * Streams a query whose columns are all numbers into Float64Arrays (NULL -> NaN), chunk by chunk, yielding to
   * the event loop between batches: no arrays of boxed values, and the hub keeps serving while a year is read
   * (training and diagnosis reads).
   */
  numberColumns(sql: string, params?: DuckDBValue[]): Promise<{ names: string[]; values: Float64Array[] }>;
  run(sql: string, params?: DuckDBValue[]): Promise<void>;
  close(): void;
}

/** SQL string literal. */
export const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/** SQL identifier. */
export const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

const YIELD_EVERY_ROWS = 65_536;

async function streamNumbers(c: DuckDBConnection, sql: string, params?: DuckDBValue[]): Promise<{ names: string[]; values: Float64Array[] }> {
  const result = await c.stream(sql, params);
  const names = result.columnNames();
  let capacity = 16_384;
  let rows = 0;
  let values = names.map(() => new Float64Array(capacity));
  let sinceYield = 0;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const n = chunk.rowCount;
    if (rows + n > capacity) {
      capacity = Math.max(capacity * 2, rows + n);
      values = values.map((old) => {
        const grown = new Float64Array(capacity);
        grown.set(old.subarray(0, rows));
        return grown;
      });
    }
    for (let k = 0; k < names.length; k += 1) {
      const vector = chunk.getColumnVector(k);
      const out = values[k]!;
      for (let i = 0; i < n; i += 1) {
        const v = vector.getItem(i);
        out[rows + i] = v === null ? NaN : Number(v);
      }
    }
    rows += n;
    sinceYield += n;
    if (sinceYield >= YIELD_EVERY_ROWS) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { names, values: values.map((v) => v.slice(0, rows)) };
}

function toJs(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  return v;
}

const OUT_OF_MEMORY = 'The dataset engine ran out of memory';

/** True for the engine's out-of-memory 503: a caller that can do the work in smaller pieces retries. */
export const isOutOfMemory = (err: unknown): boolean => err instanceof AppError && err.message === OUT_OF_MEMORY;

/** DuckDB past its memory cap is the server's condition, not the request's: a 503 saying which setting lifts it. */
function outOfMemory(err: unknown): AppError | undefined {
  const message = err instanceof Error ? err.message : String(err);
  if (!/out of memory/i.test(message)) return undefined;
  return new AppError('SERVICE_UNAVAILABLE', OUT_OF_MEMORY, {
    details: `${message.split('\n')[0]} (raise DATASET_ENGINE_MEMORY_MB, or retry when the hub is less busy)`, headers: { 'Retry-After': '30' }, cause: err,
  });
}

export function createDatasetEngine(opts: EngineOptions): DatasetEngine {
  let instance: Promise<DuckDBInstance> | undefined;
  const create = async () => {
    const created = await DuckDBInstance.create(':memory:', {
      threads: String(opts.threads), memory_limit: `${opts.memoryMb}MB`, temp_directory: opts.tmpDir,
      // DuckDB's jemalloc keeps up to 128 MB of freed memory by default (512 MB after bulk frees): the hub held
      // it between uploads. Returning it past 8 MB, purged by a background thread, cut the upload peak ~30 MB.
      allocator_flush_threshold: '8MB', allocator_bulk_deallocation_flush_threshold: '8MB', allocator_background_threads: 'true',
    });
    // Naive timestamps are read as UTC whatever the host's zone.
    const c = await created.connect();
    await c.run("SET GLOBAL TimeZone = 'UTC'");
    c.closeSync();
    return created;
  };
  const open = () => (instance ??= create());

  async function withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await (await open()).connect();
    try {
      return await fn(connection);
    } catch (err) {
      throw outOfMemory(err) ?? err;
    } finally {
      connection.closeSync();
    }
  }

  return {
    limits: { threads: opts.threads, memoryMb: opts.memoryMb },
    query: <T>(sql: string, params?: DuckDBValue[]) =>
      withConnection(async (c) => {
        const reader = await c.runAndReadAll(sql, params);
        const names = reader.columnNames();
        return reader.getRows().map((row) => Object.fromEntries(row.map((v, i) => [names[i], toJs(v)])) as T);
      }),
    numberColumns: (sql, params) => withConnection((c) => streamNumbers(c, sql, params)),
    run: (sql, params) => withConnection(async (c) => void (await c.run(sql, params))),
    close() {
      if (!instance) return;
      void instance.then((i) => i.closeSync()).catch(() => undefined);
      instance = undefined;
    },
  };
}
