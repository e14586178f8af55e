import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { withLock } from './web/build-if-stale.js';

// `npm start` runs this before the hub: it compiles the hub and the packages it uses from TypeScript to
// plain JavaScript, file by file, into each workspace's dist/ (same folder depth as src/, so the
// `new URL('../../drizzle', import.meta.url)`-style paths still land on the same files). The hub then runs
// under `node --conditions=built`, which makes each package's exports point at dist/: no TypeScript
// transform at runtime. A hash of the sources (kept in apps/hub/dist/.build-hash) makes a second start a
// no-op. `--force` always compiles.
const hubDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(hubDir, '../..');
export const WORKSPACES = ['packages/protocol', 'packages/afdd', 'packages/ml', 'apps/hub'];
const stampFile = path.join(hubDir, 'dist', '.build-hash');

function sources(workspace: string): string[] {
  const src = path.join(root, workspace, 'src');
  return fs.readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /\.(ts|mjs)$/.test(d.name) && !d.name.endsWith('.test.ts'))
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}

export function sourceHash(): string {
  const h = createHash('sha256');
  for (const ws of WORKSPACES) {
    for (const f of [path.join(root, ws, 'package.json'), ...sources(ws)]) {
      h.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0');
    }
  }
  return h.digest('hex');
}

/**
 * A worker's plain-JS entry registers tsx and imports `./x.ts` (what tests and tsx runs need); its
 * compiled twin imports `./x.js` and registers nothing.
 */
export function compiledEntry(text: string): string {
  return text
    .replace(/^import \{ register \} from 'tsx\/esm\/api';\n/m, '')
    .replace(/^register\(\);\n/m, '')
    .replace(/(import\(['"]\.\/[\w./-]+)\.ts(['"]\))/g, '$1.js$2');
}

async function compileWorkspace(workspace: string): Promise<void> {
  const src = path.join(root, workspace, 'src');
  const dist = path.join(root, workspace, 'dist');
  // Compiled beside, then swapped in: a hub still running from dist/ keeps finding its lazily loaded files.
  const out = `${dist}.next-${process.pid}`;
  fs.rmSync(out, { recursive: true, force: true });
  const files = sources(workspace);
  await build({
    entryPoints: files.filter((f) => f.endsWith('.ts')),
    outbase: src,
    outdir: out,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  for (const f of files.filter((x) => x.endsWith('.mjs'))) {
    const target = path.join(out, path.relative(src, f));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, compiledEntry(fs.readFileSync(f, 'utf8')));
  }
  const previous = `${dist}.previous-${process.pid}`;
  if (fs.existsSync(dist)) fs.renameSync(dist, previous);
  fs.renameSync(out, dist);
  fs.rmSync(previous, { recursive: true, force: true });
}

const builtHash = (): string => (fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : '');

export async function compileIfStale(force = false): Promise<boolean> {
  const hash = sourceHash();
  if (!force && builtHash() === hash) return false;
  return withLock('hub-compile', hubDir, async () => {
    if (!force && builtHash() === hash) return false; // compiled by whoever held the lock
    const started = Date.now();
    process.stderr.write('prometheus: compiling the hub to JavaScript...\n');
    for (const ws of WORKSPACES) await compileWorkspace(ws);
    fs.writeFileSync(stampFile, `${hash}\n`);
    process.stderr.write(`prometheus: hub compiled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return true;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  compileIfStale(process.argv.includes('--force')).catch((err: unknown) => {
    process.stderr.write(`prometheus: hub compile failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
