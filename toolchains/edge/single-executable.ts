// Bundle -> Node single executable: the SEA blob is prepared BY the target's node itself (under qemu for ARM; the
// blob's code cache is V8-build specific), then injected with postject into a stripped copy of that node.
import { chmod, copyFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { run } from './exec.js';
import { REPO_ROOT, SEA_FUSE } from './options.js';
import type { BaseNode } from './base-node.js';
import { runOnArch } from '../qemu.js';

export interface SeaConfig {
  main: string;
  output: string;
  disableExperimentalSEAWarning: boolean;
  useCodeCache: boolean;
}

/** Writes the SEA config and has the target's node turn the bundle into the blob. */
export async function prepareBlob(base: BaseNode, bundleFile: string, workDir: string): Promise<string> {
  const config: SeaConfig = {
    main: bundleFile,
    output: join(workDir, 'sea-prep.blob'),
    disableExperimentalSEAWarning: true,
    // V8 code cache for the bundle's top level, made by the same V8 that runs it: faster start-up on the device.
    useCodeCache: true,
  };
  const configFile = join(workDir, 'sea-config.json');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  await runOnArch(base.target.arch, base.binary, ['--experimental-sea-config', configFile], { cwd: workDir });
  return config.output;
}

/** Strips a copy of the base binary, injects the blob and moves the result to outFile atomically. */
export async function injectBlob(base: BaseNode, blob: string, workDir: string, outFile: string): Promise<number> {
  const exe = join(workDir, 'exe');
  await rm(exe, { force: true });
  // strip warns about the official binary's '.note' section name; the stripped binary runs fine (checked by tests).
  await run(`${base.target.crossPrefix}strip`, ['-o', exe, base.binary]);
  const postject = createRequire(join(REPO_ROOT, 'package.json')).resolve('postject/dist/cli.js');
  await run(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
  await chmod(exe, 0o755);
  const partial = `${outFile}.partial-${process.pid}`;
  await copyFile(exe, partial);
  await chmod(partial, 0o755);
  await rename(partial, outFile);
  return (await stat(outFile)).size;
}
