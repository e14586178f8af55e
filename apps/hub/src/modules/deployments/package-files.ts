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

/**
 * An agent update's package: the release executable hard-linked in as the package file (copied when the build dir
 * is on another file system), so N targets updated to one release hold one copy on disk and, while their transfers
 * run, one in memory (readPackage shares the bytes of one file).
 */
export async function writeAgentPackage(root: string, id: string, executable: string, manifest: string, signature: string): Promise<void> {
  const tmp = path.join(root, `.tmp-${id}-${randomUUID()}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    const file = path.join(tmp, PACKAGE_FILES.model);
    await fs.link(executable, file).catch(() => fs.copyFile(executable, file));
    await writeSynced(path.join(tmp, PACKAGE_FILES.manifest), manifest);
    await writeSynced(path.join(tmp, PACKAGE_FILES.signature), signature);
    await fs.rm(path.join(root, id), { recursive: true, force: true });
    await fs.rename(tmp, path.join(root, id));
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

// Package bytes by file identity: hard links of one release executable are read once while any transfer holds them.
const shared = new Map<string, WeakRef<Buffer>>();

async function readShared(file: string): Promise<Buffer> {
  const st = await fs.stat(file);
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  const held = shared.get(key)?.deref();
  if (held) return held;
  const bytes = await fs.readFile(file);
  if (st.nlink > 1) shared.set(key, new WeakRef(bytes));
  for (const [k, ref] of shared) if (!ref.deref()) shared.delete(k);
  return bytes;
}

/** The stored package, or undefined when it is missing or incomplete. */
export async function readPackage(root: string, id: string): Promise<StoredPackage | undefined> {
  const dir = path.join(root, id);
  try {
    const [model, manifest, signature] = await Promise.all([
      readShared(path.join(dir, PACKAGE_FILES.model)), fs.readFile(path.join(dir, PACKAGE_FILES.manifest), 'utf8'),
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
