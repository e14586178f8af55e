import fs from 'node:fs/promises';

/** Creates `file` (refusing to overwrite) and fsyncs it before returning: the write half of the write-then-rename pattern. */
export async function writeSynced(file: string, bytes: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
