import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { AgentUpdateManifest } from '@prometheus/protocol';
import { betterSqlite3AddonFile, isSea, seaFilePath } from '../sea-runtime.js';
import { stageExecutable } from '../update/swap.js';

// Checks of an agent update on this controller, before and after its bytes arrive: the signed manifest must be
// for this arch, the running agent must be the single executable (it replaces its own file), and the addon
// beside it must be the one the new build needs (only the executable is sent). Once the bytes' sha256 matched
// the manifest, the new file is written beside the running one and asked for its version.

/** This process's arch in the builds' words (Node's 'arm' is the armv7 build). */
export const ownArch = () => (process.arch === 'arm' ? 'armv7' : process.arch);

/** Why this agent cannot take the update, or undefined when it can. */
export function refuseAgentUpdate(m: AgentUpdateManifest): string | undefined {
  if (m.agent.arch !== ownArch()) return `the build is for ${m.agent.arch}; this agent runs on ${ownArch()}`;
  if (!isSea()) return 'this agent runs from source under node, not as the single executable: it cannot replace itself (update it the way it was installed)';
  const addon = seaFilePath(betterSqlite3AddonFile());
  let sha: string;
  try {
    sha = createHash('sha256').update(fs.readFileSync(addon)).digest('hex');
  } catch {
    return `no ${betterSqlite3AddonFile()} beside the executable to compare with the build's`;
  }
  if (sha !== m.addon.sha256) return `the new build needs another better-sqlite3 addon than the one beside this executable (${m.addon.file}); install it from GET /api/v1/deployments/:id/binary?file=addon`;
  return undefined;
}

/** Writes the received executable beside the running one and checks the version it prints; returns its path. */
export async function stageAgentUpdate(m: AgentUpdateManifest, packageFile: string): Promise<string> {
  const next = stageExecutable(process.execPath, packageFile);
  const printed = await new Promise<string>((resolve, reject) => {
    execFile(next, ['--version'], { timeout: 120_000 }, (err, stdout) => (err ? reject(new Error(`the new executable failed --version: ${err.message}`)) : resolve(stdout)));
  }).catch((err: unknown) => {
    fs.rmSync(next, { force: true });
    throw err;
  });
  if (!printed.split(/\s+/).includes(m.agent.version)) {
    fs.rmSync(next, { force: true });
    throw new Error(`the new executable says '${printed.trim().slice(0, 200)}', the signed manifest ${m.agent.version}`);
  }
  return next;
}
