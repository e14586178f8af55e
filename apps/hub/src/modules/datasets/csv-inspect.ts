import fs from 'node:fs';
import type { CsvLayout } from '../../db/schema/index.js';
import { badRequest } from '../../errors.js';
import { chunk, COLUMN_COST_KB, columnsPerQuery, inBatches } from './column-batches.js';
import { ident, lit, type DatasetEngine } from './engine.js';
import { CSV_BUFFER_OPTION } from './storage.js';

// First look at an uploaded file, before the full pass: is it text, which delimiter, is there a header,
// which column holds the time and in which format. Everything here reads only the head of the file.
const HEAD_BYTES = 64 * 1024;
/** A header line may be this long (DuckDB's own `max_line_size`): thousands of long point names. */
const MAX_HEADER_BYTES = 2 * 1024 * 1024;
const SAMPLE_ROWS = 500;
/** Cells of the sample held at once: a wide file samples fewer rows. */
const SAMPLE_CELLS = 100_000;
const DELIMITERS = [',', ';', '\t', '|'];
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const MDY = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(\s+\d{1,2}:\d{2}(:\d{2})?)?$/;
const TIME_NAMES = /^(timestamp|time|datetime|date[ _]?time|date|ts|time_?stamp)$/i;
const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

export interface CsvInspection {
  layout: CsvLayout;
  /** Names the hub uses: header cells trimmed, blanks named, duplicates numbered. */
  columns: string[];
  timeColumn: string | null;
}

/** Line number (1-based) of byte offset `at` in `buf`. */
const lineOf = (buf: Buffer, at: number) => buf.subarray(0, at).toString('latin1').split('\n').length;

/** The file's head: at least HEAD_BYTES, and longer until it holds the header line's end. */
function readHead(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    let buf = Buffer.alloc(HEAD_BYTES);
    let length = fs.readSync(fd, buf, 0, buf.length, 0);
    while (length === buf.length && buf.indexOf(10) < 0 && buf.length < MAX_HEADER_BYTES) {
      const grown = Buffer.alloc(buf.length * 2);
      buf.copy(grown);
      buf = grown;
      length += fs.readSync(fd, buf, length, buf.length - length, length);
    }
    return buf.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

/** Refuses binary content: NUL bytes or bytes that are not UTF-8. */
function assertText(head: Buffer, complete: boolean): string {
  if (head.length === 0) throw badRequest('Invalid CSV: the file is empty', 'Line 1: no header row');
  const nul = head.indexOf(0);
  if (nul >= 0) throw badRequest(`Invalid CSV: binary data on line ${lineOf(head, nul)}`, `Line ${lineOf(head, nul)}: NUL byte at offset ${nul}; not a text file`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete });
  } catch {
    let good = 0;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    while (good < head.length) {
      try {
        decoder.decode(head.subarray(0, good + 1024), { stream: true });
        good += 1024;
      } catch {
        break;
      }
    }
    const line = lineOf(head, good);
    throw badRequest(`Invalid CSV: binary data on line ${line}`, `Line ${line}: bytes that are not UTF-8 text`);
  }
}

/** Splits the first record's cells, honouring quotes (a quoted header may hold delimiters). */
function firstRecordCells(text: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') break;
    else cell += ch;
  }
  cells.push(cell);
  return cells;
}

function detectDelimiter(text: string): string {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  let best = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const count = firstRecordCells(firstLine, d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Header cells to column names: trimmed, blanks named `column_N`, duplicates numbered. */
export function columnNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    let name = raw.replace(/^\uFEFF/, '').trim() || `column_${i + 1}`;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n > 1) name = `${name}_${n}`;
    return name;
  });
}

export function timeFormatOf(value: string): CsvLayout['timeFormat'] {
  const v = value.trim();
  if (ISO.test(v)) return 'iso';
  const m = MDY.exec(v);
  if (m) return m[3]!.length === 4 ? 'mdy4' : 'mdy2';
  return null;
}

/** The time column: a time-named column if its values parse, else the first column whose sample is all times. */
function detectTime(columns: string[], sample: (string | null)[][]): { column: string | null; format: CsvLayout['timeFormat'] } {
  const candidates: { index: number; format: CsvLayout['timeFormat'] }[] = [];
  columns.forEach((_, index) => {
    const values = sample.map((r) => r[index]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    if (values.length === 0) return;
    const formats = values.map(timeFormatOf);
    const format = formats[0] ?? null;
    if (format && formats.filter((f) => f === format).length >= values.length * 0.9) candidates.push({ index, format });
  });
  const named = candidates.find((c) => TIME_NAMES.test(columns[c.index]!)) ?? candidates[0];
  return named ? { column: columns[named.index]!, format: named.format } : { column: null, format: null };
}

/** CSV error text from DuckDB -> a 400 naming the line. */
export function csvErrorToBadRequest(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (line && columns) {
    return badRequest(`Invalid CSV: ragged row on line ${line}`, `Line ${line}: expected ${columns[1]} columns, found ${columns[2]}`);
  }
  if (line) {
    const what = /Invalid unicode/i.test(message) ? 'bytes that are not UTF-8 text' : (message.split('\n')[1] ?? 'unreadable row');
    return badRequest(`Invalid CSV: unreadable row on line ${line}`, `Line ${line}: ${what}`);
  }
  if (/Invalid Input Error|CSV/i.test(message)) return badRequest('Invalid CSV', message.split('\n')[0]);
  return err instanceof Error ? err : new Error(message);
}

/** The first rows as text, read in batches of columns so a wide file's sample fits the engine. */
async function sampleRows(engine: DatasetEngine, file: string, delimiter: string, width: number): Promise<(string | null)[][]> {
  const raw = Array.from({ length: width }, (_, i) => `c${i}`);
  const cols = raw.map((c) => `${lit(c)}: 'VARCHAR'`).join(', ');
  const relation = `read_csv(${lit(file)}, header = false, delim = ${lit(delimiter)}, quote = '"', escape = '"', ${CSV_BUFFER_OPTION}, `
    + `strict_mode = true, null_padding = false, auto_detect = false, columns = {${cols}})`;
  const limit = Math.min(SAMPLE_ROWS, Math.max(20, Math.floor(SAMPLE_CELLS / width))) + 1;
  const batches = chunk(raw, columnsPerQuery(engine, COLUMN_COST_KB.read)).map((columns) => ({ relation, columns }));
  const parts = await inBatches(batches, async ({ columns }) => {
    const rows = await engine.query<Record<string, string | null>>(`SELECT ${columns.map(ident).join(', ')} FROM ${relation} LIMIT ${limit}`);
    return rows.map((r) => columns.map((c) => r[c] ?? null));
  }).catch((err: unknown) => {
    throw csvErrorToBadRequest(err);
  });
  return (parts[0] ?? []).map((_, i) => parts.flatMap((p) => p[i] ?? []));
}

/** `maxColumns`: a header wider than this is refused (DATASET_MAX_COLUMNS). */
export async function inspectCsv(engine: DatasetEngine, file: string, maxColumns: number): Promise<CsvInspection> {
  const size = fs.statSync(file).size;
  const head = readHead(file);
  const text = assertText(head, size <= head.length).replace(/^\uFEFF/, '');
  const delimiter = detectDelimiter(text);
  const width = firstRecordCells(text, delimiter).length;
  if (width > maxColumns) {
    throw badRequest(`Invalid CSV: too many columns (${width})`, `Line 1: ${width} columns; this hub takes at most ${maxColumns} (DATASET_MAX_COLUMNS)`);
  }
  const rows = await sampleRows(engine, file, delimiter, width);
  const header = rows[0]?.map((h) => h ?? '') ?? [];
  const sample = rows.slice(1);
  const looksLikeData = header.filter((h) => NUMBER.test(h) || timeFormatOf(h) !== null).length;
  if (looksLikeData > 0 && looksLikeData >= header.length / 2) {
    throw badRequest('Invalid CSV: no header row', `Line 1: expected column names, found values such as '${header.find((h) => NUMBER.test(h) || timeFormatOf(h)) ?? ''}'`);
  }
  if (sample.length === 0) throw badRequest('Invalid CSV: no data rows', 'Line 2: the file has a header but no rows');
  const columns = columnNames(header);
  const time = detectTime(columns, sample);
  return { layout: { delimiter, timeFormat: time.format }, columns, timeColumn: time.column };
}
