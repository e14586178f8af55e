import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { writeSynced } from '../../synced-file.js';

// The file side of edge appends, made all-or-nothing with the dataset row as the commit point. The row records
// the committed length of the file (`fileSizeBytes` for data.csv, `tailBytes` for tail.csv) in the same update
// as the row count and stats:
// - an append writes past the committed length and fsyncs, then the row commits the new length; bytes past
//   the committed length are torn (a crash before the commit) and are cut before the next append and at start;
// - widening (a new sensor) writes the whole new file as `<file>.widen.<length>` and fsyncs, the row commits
//   `<length>` and the new columns, then the copy is renamed over the file. A copy whose name carries the
//   committed length and that is complete is rolled forward; any other copy is an uncommitted attempt, removed.

/** Where a test may stop the process (SIGKILL in a child) to check the recovery; no-ops in the hub. */
export type EdgeFaultPoint = 'appended' | 'widened' | 'committed';
export const edgeFaults: { hit(point: EdgeFaultPoint): void } = { hit: () => undefined };

const widenPrefix = (file: string) => `${path.basename(file)}.widen.`;

function sizeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Brings an edge file to exactly its committed state (see above). `committed` 0 with no file is a file not begun. */
export function settleEdgeFile(file: string, committed: number): void {
  const dir = path.dirname(file);
  const prefix = widenPrefix(file);
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!name.startsWith(prefix)) continue;
    const copy = path.join(dir, name);
    const length = Number(name.slice(prefix.length));
    if (length === committed && sizeOf(copy) === committed) fs.renameSync(copy, file);
    else fs.rmSync(copy, { force: true });
  }
  const size = sizeOf(file);
  if (size === undefined) {
    if (committed > 0) throw new Error(`edge dataset file ${file} is missing (committed ${committed} bytes)`);
    return;
  }
  if (size > committed) fs.truncateSync(file, committed);
  else if (size < committed) throw new Error(`edge dataset file ${file} holds ${size} bytes, fewer than the committed ${committed}`);
}

/** Appends rows past the committed length (fsynced); returns the new length, to be committed by the caller. */
export async function appendRows(file: string, committed: number, rows: string): Promise<number> {
  const length = committed + (await writeSynced(file, rows, { flag: 'a', datasync: true }));
  edgeFaults.hit('appended');
  return length;
}

/** Writes the widened copy (all of the file's rows padded, then the new rows); returns the length to commit. */
export async function writeWidened(file: string, header: string, padding: string, rows: string): Promise<{ length: number; commit(): void }> {
  const lines = (await fsp.readFile(file, 'utf8')).split('\n').slice(1).filter((l) => l !== '');
  const content = `${header}\n${lines.map((l) => l + padding).join('\n')}${lines.length > 0 ? '\n' : ''}${rows}`;
  const length = Buffer.byteLength(content);
  const copy = path.join(path.dirname(file), `${widenPrefix(file)}${length}`);
  await writeSynced(copy, content, { flag: 'w', datasync: true });
  edgeFaults.hit('widened');
  return {
    length,
    /** After the row committed `length`: the copy takes the file's place. */
    commit() {
      fs.renameSync(copy, file);
    },
  };
}

/** A new (or restarted) file holding only its header; its length is committed with the first rows. */
export function startFile(file: string, header: string): Promise<number> {
  return writeSynced(file, `${header}\n`, { flag: 'w', datasync: true });
}
