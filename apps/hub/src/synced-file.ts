import fs from 'node:fs/promises';

/**
 * Writes `bytes` and syncs them to disk before returning; returns the bytes written. Runs on the thread pool, so
 * the event loop goes on while the disk works. `wx` (the default) creates the file and refuses to overwrite one:
 * the write half of the write-then-rename pattern; `w` replaces, `a` appends. `datasync` skips the metadata
 * flush where only the content must survive a crash.
 */
export async function writeSynced(file: string, bytes: Uint8Array | string, opts: { flag?: 'wx' | 'w' | 'a'; datasync?: boolean } = {}): Promise<number> {
  const handle = await fs.open(file, opts.flag ?? 'wx');
  try {
    await handle.writeFile(bytes);
    await (opts.datasync ? handle.datasync() : handle.sync());
    return typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  } finally {
    await handle.close();
  }
}
