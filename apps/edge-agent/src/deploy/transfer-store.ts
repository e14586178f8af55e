import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDeployState } from '@prometheus/protocol';

// A package arriving: `deployments/<id>/` holds the manifest and signature as received and `package.part`,
// appended chunk by chunk and fsynced, so its size is how far the transfer got, across disconnects and
// restarts. Only one transfer is kept: a new manifest drops any other. `last.json` remembers the outcome
// of the last deployment handled, which the agent repeats to the hub on every connect.
export const PART_FILE = 'package.part';
const LAST_FILE = 'last.json';

export interface Outcome {
  deployment_id: string;
  state: Extract<AgentDeployState, 'deployed' | 'failed' | 'rolled_back'>;
  reason?: string | undefined;
  health?: { score: number; expected: number; runtime: string } | undefined;
}

export class TransferStore {
  constructor(private readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  private dir(id: string): string {
    return path.join(this.root, id);
  }

  /** The transfer on disk, if any: its id and received manifest. */
  pending(): { id: string; manifest: string; signature: string } | undefined {
    for (const name of fs.readdirSync(this.root)) {
      const dir = this.dir(name);
      if (!fs.statSync(dir).isDirectory()) continue;
      try {
        return { id: name, manifest: fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'), signature: fs.readFileSync(path.join(dir, 'manifest.sig'), 'utf8') };
      } catch {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    return undefined;
  }

  /** Starts (or keeps) the transfer of `id`; any other one is dropped. Returns the bytes already held. */
  begin(id: string, manifest: string, signature: string): number {
    for (const name of fs.readdirSync(this.root)) {
      if (name !== id && fs.statSync(this.dir(name)).isDirectory()) fs.rmSync(this.dir(name), { recursive: true, force: true });
    }
    const dir = this.dir(id);
    if (!fs.existsSync(path.join(dir, 'manifest.sig'))) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'manifest.json'), manifest);
      fs.writeFileSync(path.join(dir, PART_FILE), new Uint8Array(0));
      fs.writeFileSync(path.join(dir, 'manifest.sig'), signature); // last: its presence marks a complete start
    }
    return this.size(id);
  }

  size(id: string): number {
    try {
      return fs.statSync(path.join(this.dir(id), PART_FILE)).size;
    } catch {
      return 0;
    }
  }

  packagePath(id: string): string {
    return path.join(this.dir(id), PART_FILE);
  }

  /** Appends bytes (the caller checked the offset) and syncs them; returns the new size. */
  append(id: string, data: Uint8Array): number {
    const fd = fs.openSync(this.packagePath(id), 'a');
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return this.size(id);
  }

  sha256(id: string): string {
    return createHash('sha256').update(fs.readFileSync(this.packagePath(id))).digest('hex');
  }

  discard(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  lastOutcome(): Outcome | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.root, LAST_FILE), 'utf8')) as Outcome;
    } catch {
      return undefined;
    }
  }

  setLastOutcome(outcome: Outcome): void {
    const tmp = path.join(this.root, `${LAST_FILE}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(outcome));
    fs.renameSync(tmp, path.join(this.root, LAST_FILE));
  }
}
