import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeSynced } from '../../synced-file.js';

// A deployment's package under `<data dir>/deployments/<id>/`: the model file the target runs, the manifest
// (exact JSON bytes) and its signature. Written to a temporary directory, synced and renamed in one step, so
// the directory is complete or absent; a hub restart finds either a whole package or none.
export const PACKAGE_FILES = { model: 'model.onnx', manifest: 'manifest.json', signature: 'manifest.sig' } as const;

export interface StoredPackage {
  model: Buffer;
  manifest: string;
  signature: string;
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function writePackage(root: string, id: string, pkg: StoredPackage): Promise<void> {
  const tmp = path.join(root, `.tmp-${id}-${randomUUID()}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    await writeSynced(path.join(tmp, PACKAGE_FILES.model), pkg.model);
    await writeSynced(path.join(tmp, PACKAGE_FILES.manifest), pkg.manifest);
    await writeSynced(path.join(tmp, PACKAGE_FILES.signature), pkg.signature);
    await fs.rm(path.join(root, id), { recursive: true, force: true });
    await fs.rename(tmp, path.join(root, id));
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The stored package, or undefined when it is missing or incomplete. */
export async function readPackage(root: string, id: string): Promise<StoredPackage | undefined> {
  const dir = path.join(root, id);
  try {
    const [model, manifest, signature] = await Promise.all([
      fs.readFile(path.join(dir, PACKAGE_FILES.model)), fs.readFile(path.join(dir, PACKAGE_FILES.manifest), 'utf8'),
      fs.readFile(path.join(dir, PACKAGE_FILES.signature), 'utf8'),
    ]);
    return { model, manifest, signature };
  } catch {
    return undefined;
  }
}

export async function removePackage(root: string, id: string): Promise<void> {
  await fs.rm(path.join(root, id), { recursive: true, force: true });
}

/** Start-up: temporary directories and packages of deployments that no longer need them. */
export async function sweepPackages(root: string, keep: Set<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    if (name.startsWith('.tmp-') || !keep.has(name)) {
      await fs.rm(path.join(root, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}
