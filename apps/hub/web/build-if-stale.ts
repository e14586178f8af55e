import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm start` runs this first: it builds the console into web/dist when its sources changed since the
// last build (a hash of every source file, kept in dist/.build-hash), and is a fast no-op otherwise.
// `--force` always builds (the `build` script).
const webDir = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.join(webDir, 'dist');
const stampFile = path.join(distDir, '.build-hash');
// The console bundles @prometheus/afdd's vocabulary (inputs, units, Brick classes, settings): its sources count too.
const INPUTS = ['index.html', 'vite.config.ts', 'tsconfig.json', 'src', '../package.json', '../../../packages/afdd/src'];

function files(entry: string): string[] {
  const full = path.join(webDir, entry);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [full];
  return fs.readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}

export function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of INPUTS.flatMap(files)) h.update(path.relative(webDir, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  return h.digest('hex');
}

const builtHash = () => (fs.existsSync(stampFile) && fs.existsSync(path.join(distDir, 'index.html')) ? fs.readFileSync(stampFile, 'utf8').trim() : '');

/** One build at a time on this machine (parallel test files, a start during a build): a directory as the lock. */
export async function withLock<T>(name: string, dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(os.tmpdir(), `prometheus-${name}-${createHash('sha1').update(dir).digest('hex').slice(0, 12)}.lock`);
  for (const until = Date.now() + 300_000; ;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed build is taken over after two minutes.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export async function buildIfStale(force = false): Promise<boolean> {
  const hash = sourceHash();
  if (!force && builtHash() === hash) return false;
  return withLock('console-build', webDir, async () => {
    if (!force && builtHash() === hash) return false; // built by whoever held the lock
    await runBuild(hash);
    return true;
  });
}

async function runBuild(hash: string): Promise<void> {
  const started = Date.now();
  process.stderr.write('prometheus: building the console (apps/hub/web)...\n');
  const { build } = await import('vite');
  await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  fs.writeFileSync(stampFile, `${hash}\n`);
  process.stderr.write(`prometheus: console built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  buildIfStale(process.argv.includes('--force')).catch((err: unknown) => {
    process.stderr.write(`prometheus: console build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
