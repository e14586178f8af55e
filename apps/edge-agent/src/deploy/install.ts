import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DeployManifest } from '@prometheus/protocol';
import { MANIFEST_FILE, MODEL_FILE } from '../runtime/model.js';

// Installed models: `models/<deployment>/` (model.onnx + manifest.json), `models/current` and
// `models/previous` symlinks. A model directory is staged, fsynced and renamed into place; the switch is a
// symlink renamed over `current` (atomic on POSIX) and the directory fsynced, so after a kill or power loss
// at any point `current` names a complete model: the old one or the new one, never a half-written one.
const CURRENT = 'current';
const PREVIOUS = 'previous';
/** A shadow model running beside `current` (deployment mode `shadow`). */
const SHADOW = 'shadow';
const STAGING = '.staging-';

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeSynced(file: string, bytes: Uint8Array | string): void {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function link(modelsDir: string, name: string): string | undefined {
  try {
    return fs.readlinkSync(path.join(modelsDir, name));
  } catch {
    return undefined;
  }
}

/** Points `name` at `target` by renaming a fresh symlink over it. */
function pointAt(modelsDir: string, name: string, target: string): void {
  const tmp = path.join(modelsDir, `${name}.tmp`);
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, path.join(modelsDir, name));
}

/** Whether a model directory is complete: its manifest parses and the model file has the manifest's sha256. */
export function isComplete(dir: string): boolean {
  try {
    const manifest = DeployManifest.parse(JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')));
    if (manifest.package === null) return true; // rules only: the signed manifest is the whole deployment
    const sha = createHash('sha256').update(fs.readFileSync(path.join(dir, MODEL_FILE))).digest('hex');
    return sha === manifest.package.sha256;
  } catch {
    return false;
  }
}

/** Copies a verified package (none for a rules-only deployment) into `models/<id>/` atomically; returns the directory. */
export function installModel(modelsDir: string, id: string, packageFile: string | null, manifestText: string): string {
  fs.mkdirSync(modelsDir, { recursive: true });
  const staging = path.join(modelsDir, `${STAGING}${id}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging);
  if (packageFile !== null) writeSynced(path.join(staging, MODEL_FILE), fs.readFileSync(packageFile));
  writeSynced(path.join(staging, MANIFEST_FILE), manifestText);
  fsyncDir(staging);
  const dir = path.join(modelsDir, id);
  if (link(modelsDir, CURRENT) !== id) fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  fsyncDir(modelsDir);
  return dir;
}

/** Makes `id` the current model; the one it replaces becomes `previous`. */
export function switchCurrent(modelsDir: string, id: string): void {
  const old = link(modelsDir, CURRENT);
  if (old && old !== id) pointAt(modelsDir, PREVIOUS, old);
  pointAt(modelsDir, CURRENT, id);
  fsyncDir(modelsDir);
}

/** Makes `id` the shadow model (null: none). */
export function setShadow(modelsDir: string, id: string | null): void {
  if (id === null) fs.rmSync(path.join(modelsDir, SHADOW), { force: true });
  else pointAt(modelsDir, SHADOW, id);
  fsyncDir(modelsDir);
}

/** Where a promotion can go: the shadow, the previous model (rollback) or the current one (already done). */
export function installedRoles(modelsDir: string): { current?: string; previous?: string; shadow?: string } {
  return { current: link(modelsDir, CURRENT), previous: link(modelsDir, PREVIOUS), shadow: link(modelsDir, SHADOW) };
}

/** Removes an installed model that never became current (its health inference failed). */
export function removeModel(modelsDir: string, id: string): void {
  if (link(modelsDir, CURRENT) === id || link(modelsDir, PREVIOUS) === id || link(modelsDir, SHADOW) === id) return;
  fs.rmSync(path.join(modelsDir, id), { recursive: true, force: true });
}

/**
 * Start-up: removes what an interrupted install left (staging dirs, temporary links, models that never
 * became current), and returns the directory of the current model. A current model that is not complete is
 * replaced by the previous one (`restored` says so).
 */
export function recoverModels(modelsDir: string): { current: string | undefined; restored: string | undefined; shadow: string | undefined } {
  fs.mkdirSync(modelsDir, { recursive: true });
  let current = link(modelsDir, CURRENT);
  const previous = link(modelsDir, PREVIOUS);
  let restored: string | undefined;
  if (current && !isComplete(path.join(modelsDir, current))) {
    restored = current;
    current = previous && isComplete(path.join(modelsDir, previous)) ? previous : undefined;
    if (current) pointAt(modelsDir, CURRENT, current);
    else fs.rmSync(path.join(modelsDir, CURRENT), { force: true });
    fsyncDir(modelsDir);
  }
  let shadow = link(modelsDir, SHADOW);
  if (shadow && !isComplete(path.join(modelsDir, shadow))) {
    fs.rmSync(path.join(modelsDir, SHADOW), { force: true });
    shadow = undefined;
  }
  const keep = new Set([current, previous, shadow].filter((x): x is string => x !== undefined));
  for (const name of fs.readdirSync(modelsDir)) {
    if (name === CURRENT || name === PREVIOUS || name === SHADOW || keep.has(name)) continue;
    fs.rmSync(path.join(modelsDir, name), { recursive: true, force: true });
  }
  return { current: current ? path.join(modelsDir, current) : undefined, restored, shadow: shadow ? path.join(modelsDir, shadow) : undefined };
}

/** The current model's directory, if any (no repairs: `status` uses it read-only). */
export function currentModelDir(modelsDir: string): string | undefined {
  const current = link(modelsDir, CURRENT);
  return current ? path.join(modelsDir, current) : undefined;
}
