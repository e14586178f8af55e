import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeSynced } from '../../synced-file.js';
import type { ModelFileSizes } from '../../db/schema/models.js';

// A model's files under `<data dir>/models/<id>/`. They are written into a temporary directory, synced,
// and renamed into place in one step, so a model directory is either complete or absent; the row is
// inserted after the rename (and the directory removed again if that fails). Start-up sweeps what a
// crash can leave: temporary directories and directories without a row.
export const MODEL_FILES = {
  axonml: 'model.axonml',
  axonml_int8: 'model-int8.axonml',
  onnx: 'model.onnx',
  onnx_int8: 'model-int8.onnx',
  metadata: 'metadata.json',
} as const;

export type ModelFileKind = keyof typeof MODEL_FILES;

const TMP_PREFIX = '.tmp-';

export function modelDir(root: string, id: string): string {
  return path.join(root, id);
}

export function modelFile(root: string, id: string, kind: ModelFileKind): string {
  return path.join(root, id, MODEL_FILES[kind]);
}

/** Writes every file of a model atomically (all or none) and returns their sizes. */
export async function writeModelFiles(root: string, id: string, files: Record<ModelFileKind, Uint8Array>): Promise<ModelFileSizes> {
  const tmp = path.join(root, `${TMP_PREFIX}${id}-${randomUUID()}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    for (const [kind, name] of Object.entries(MODEL_FILES)) await writeSynced(path.join(tmp, name), files[kind as ModelFileKind]);
    await fs.rename(tmp, modelDir(root, id));
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return {
    axonml: files.axonml.byteLength, axonml_int8: files.axonml_int8.byteLength, onnx: files.onnx.byteLength,
    onnx_int8: files.onnx_int8.byteLength, metadata: files.metadata.byteLength,
  };
}

export async function removeModelFiles(root: string, id: string): Promise<void> {
  await fs.rm(modelDir(root, id), { recursive: true, force: true });
}

/** Removes temporary directories and model directories that have no row; returns what it removed. */
export async function sweepModelFiles(root: string, knownIds: Set<string>): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    if (entry.name.startsWith(TMP_PREFIX) || (/^mdl_/.test(entry.name) && !knownIds.has(entry.name))) {
      await fs.rm(path.join(root, entry.name), { recursive: true, force: true });
      removed.push(entry.name);
    }
  }
  return removed;
}
