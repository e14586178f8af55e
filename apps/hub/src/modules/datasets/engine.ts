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
  /** Runs a statement and returns its rows as objects of JS values (BIGINT as number when safe). */
  query<T = Record<string, unknown>>(sql: string, params?: DuckDBValue[]): Promise<T[]>;
  /** Runs a statement and returns its columns as arrays (fast path for training reads). */
  columns(sql: string, params?: DuckDBValue[]): Promise<{ names: string[]; values: unknown[][] }>;
  run(sql: string, params?: DuckDBValue[]): Promise<void>;
  close(): void;
}

/** SQL string literal. */
export const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/** SQL identifier. */
export const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

function toJs(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/** DuckDB past its memory cap is the server's condition, not the request's: a 503 saying which setting lifts it. */
function outOfMemory(err: unknown): AppError | undefined {
  const message = err instanceof Error ? err.message : String(err);
  if (!/out of memory/i.test(message)) return undefined;
  return new AppError('SERVICE_UNAVAILABLE', 'The dataset engine ran out of memory', {
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
    query: <T>(sql: string, params?: DuckDBValue[]) =>
      withConnection(async (c) => {
        const reader = await c.runAndReadAll(sql, params);
        const names = reader.columnNames();
        return reader.getRows().map((row) => Object.fromEntries(row.map((v, i) => [names[i], toJs(v)])) as T);
      }),
    columns: (sql, params) =>
      withConnection(async (c) => {
        const reader = await c.runAndReadAll(sql, params);
        return { names: reader.columnNames(), values: reader.getColumns().map((col) => col.map(toJs)) };
      }),
    run: (sql, params) => withConnection(async (c) => void (await c.run(sql, params))),
    close() {
      if (!instance) return;
      void instance.then((i) => i.closeSync()).catch(() => undefined);
      instance = undefined;
    },
  };
}
