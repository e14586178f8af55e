import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { inBatches, type ColumnBatch } from './column-batches.js';
import { lit, type DatasetEngine } from './engine.js';

// A CSV file whose rows are too wide for one DuckDB query (column-batches.ts): DuckDB writes each batch's part
// of every row as a CSV fragment, one JSON string per line (a line break inside a cell cannot split a row
// there), and the fragments are joined line by line, in file order, into the CSV.

/** A cell as CSV text, quoted as DuckDB's writer does: NULL empty; delimiters, quotes, line breaks and '' quoted. */
export function csvFieldSql(expr: string): string {
  return `CASE WHEN ${expr} IS NULL THEN '' WHEN ${expr} = '' OR regexp_matches(${expr}, ${lit('[",\\r\\n]')}) `
    + `THEN '"' || replace(${expr}, '"', '""') || '"' ELSE ${expr} END`;
}

/** The same rule for a header cell. */
export const csvField = (text: string): string => (text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

export interface ColumnsCsv {
  /** The header line, without its line break. */
  header: string;
  batches: ColumnBatch[];
  /** The CSV text expression of a column's cell (e.g. `csvFieldSql(ident(column))`). */
  cell: (column: string) => string;
  /** Empty cells added to every row (columns that only `after` has). */
  pad?: number;
  /** Whole lines written after the rows (an edge dataset's tail). */
  after?: AsyncIterable<string>;
}

async function writeLine(out: fs.WriteStream, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

export async function writeCsvByColumns(engine: DatasetEngine, file: string, tmpDir: string, csv: ColumnsCsv): Promise<void> {
  const stem = path.join(tmpDir, `export-${randomUUID()}`);
  const fragments: string[] = [];
  try {
    await inBatches(csv.batches, async (batch) => {
      const fragment = `${stem}-${fragments.length}.json`;
      await engine.run(`COPY (SELECT concat_ws(',', ${batch.columns.map(csv.cell).join(', ')}) AS f FROM ${batch.relation}) TO ${lit(fragment)} (FORMAT json)`)
        .catch((err: unknown) => {
          fs.rmSync(fragment, { force: true });
          throw err;
        });
      fragments.push(fragment);
    });
    const readers = fragments.map((f) => readline.createInterface({ input: fs.createReadStream(f), crlfDelay: Infinity })[Symbol.asyncIterator]());
    const out = fs.createWriteStream(file);
    const closed = once(out, 'close');
    try {
      const pad = ','.repeat(csv.pad ?? 0);
      await writeLine(out, csv.header);
      for (;;) {
        const lines = await Promise.all(readers.map((r) => r.next()));
        const done = lines.filter((l) => l.done).length;
        if (done === lines.length) break;
        if (done > 0) throw new Error('column batches returned different row counts');
        await writeLine(out, `${lines.map((l) => (JSON.parse(l.value as string) as { f: string }).f).join(',')}${pad}`);
      }
      for await (const line of csv.after ?? []) await writeLine(out, line);
    } finally {
      out.end();
      await closed;
      await Promise.all(readers.map((r) => r.return?.()));
    }
  } finally {
    for (const f of fragments) fs.rmSync(f, { force: true });
  }
}
