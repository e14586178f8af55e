// End to end: `npm run build:edge` makes the arm64 and x64 single executables (the armv7 one has its own file,
// edge-armv7-build.test.ts). The arm64 executable runs under qemu-aarch64-static, the x64 one natively: each
// prints its version, opens its SQLite outbox through the better-sqlite3 addon shipped beside it, and enrolls
// with a real hub, which then lists the builds at GET /api/v1/edge/releases. Built once per run when missing
// or stale (toolchains/edge/ensure-built.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHES, type EdgeArch } from '../toolchains/edge/arches.js';
import { BUILD_TIMEOUT_MS, ensureBuilt } from '../toolchains/edge/ensure-built.js';
import { sha256File } from '../toolchains/edge/manifest.js';
import { REPO_ROOT, resolveBuildOptions } from '../toolchains/edge/options.js';
import { runOnArch } from '../toolchains/qemu.js';
import { betterSqlite3AddonFile } from '@prometheus/edge-agent/sea-runtime';
import { adminToken, api, hubSpec, killAll, removeTempDirs, startHub, type HubProc } from './edge-link/harness.js';

const ARCHS = ['arm64', 'x64'] as const satisfies readonly EdgeArch[];
const builds = Object.fromEntries(ARCHS.map((arch) => [arch, resolveBuildOptions({ arch })])) as Record<(typeof ARCHS)[number], ReturnType<typeof resolveBuildOptions>>;
const exe = (arch: (typeof ARCHS)[number]) => join(builds[arch].outDir, builds[arch].name);
const stateDirs: string[] = [];
let hub: HubProc | undefined;

const agentPackage = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/edge-agent/package.json'), 'utf8')) as { name: string; version: string };

beforeAll(() => {
  for (const arch of ARCHS) ensureBuilt(builds[arch]);
}, BUILD_TIMEOUT_MS * 2);
afterAll(async () => {
  await killAll();
  removeTempDirs();
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-multiarch-'));
  stateDirs.push(dir);
  return dir;
}

describe.each(ARCHS)('%s edge executable', (arch) => {
  const nodeArch = ARCHES[arch].nodeArch;

  it('is an ELF executable of its arch with its own addon and the wasm beside it', () => {
    const file = (path: string) => execFileSync('file', ['-b', path], { encoding: 'utf8' }).trim();
    expect(file(exe(arch))).toMatch(ARCHES[arch].elf.executable);
    expect(file(join(builds[arch].outDir, betterSqlite3AddonFile(nodeArch)))).toMatch(ARCHES[arch].elf.addon);
    const manifest = JSON.parse(readFileSync(join(builds[arch].outDir, `${builds[arch].name}.manifest.json`), 'utf8')) as { arch: string; node: string };
    expect(manifest).toMatchObject({ arch, node: '20.11.0' });
  });

  it(`prints its version${arch === 'x64' ? '' : ' under qemu-aarch64-static'}`, async () => {
    const { stdout } = await runOnArch(arch, exe(arch), ['--version']);
    expect(stdout.trim()).toBe(`prometheus-edge ${agentPackage.version} (${agentPackage.name}; node v20.11.0 linux-${nodeArch})`);
  }, 120_000);

  it('opens its SQLite outbox through the addon beside it', async () => {
    const dir = stateDir();
    const { stdout } = await runOnArch(arch, exe(arch), ['status', '--state-dir', dir], { timeoutMs: 120_000 });
    const status = JSON.parse(stdout) as { version: string; enrolled: boolean; outbox: { depth: number; last_seq: number } };
    expect(status).toMatchObject({ version: agentPackage.version, enrolled: false, outbox: { depth: 0 } });
    expect(existsSync(join(dir, 'outbox.db'))).toBe(true);
  }, 150_000);
});

describe('hub and the multi-arch builds', () => {
  it('an agent of each arch enrolls and reports its arch; GET /edge/releases lists the builds with their hashes', async () => {
    hub = await startHub(await hubSpec(), { EDGE_BUILD_DIR: join(REPO_ROOT, 'dist/edge') });
    const token = await adminToken(hub.url);
    for (const arch of ARCHS) {
      const created = await api<{ id: string; enrollment_token: string }>(hub.url, 'POST', '/api/v1/deployments/targets', token, { name: `${arch} box` });
      const enrolled = await runOnArch(arch, exe(arch), ['enroll', '--hub', hub.url, '--token', created.body.enrollment_token, '--state-dir', stateDir()],
        { timeoutMs: 120_000 });
      expect(enrolled.stdout).toContain(`enrolled as ${created.body.id}`);
      const target = await api<{ arch: string }>(hub.url, 'GET', `/api/v1/deployments/targets/${created.body.id}`, token);
      expect(target.body.arch).toBe(ARCHES[arch].nodeArch);
    }
    const releases = (await api<{ arch: string; version: string; sha256: string; size_bytes: number }[]>(hub.url, 'GET', '/api/v1/edge/releases', token)).body;
    for (const arch of ARCHS) {
      expect(releases.find((r) => r.arch === arch)).toEqual({
        arch, version: agentPackage.version, sha256: sha256File(exe(arch)), size_bytes: readFileSync(exe(arch)).length,
      });
    }
  }, 300_000);
});
