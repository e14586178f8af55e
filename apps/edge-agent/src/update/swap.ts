import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from './state.js';

// The executable's swap, beside the running one (same directory, same file system, so renames are atomic):
//   .<name>.next      the new version, written and fsynced before its trial
//   <name>.previous   the version it replaced, kept for a manual way back
// The running file is only ever replaced by rename(2): a process still running the old inode is unaffected, and
// after a power cut at any point <name> is a whole executable, the old one or the new one.
export const nextPathFor = (exe: string) => path.join(path.dirname(exe), `.${path.basename(exe)}.next`);
export const previousPathFor = (exe: string) => `${exe}.previous`;

/** Copies the received package beside `exe` as its `.next`, executable and synced; returns its path. */
export function stageExecutable(exe: string, packageFile: string): string {
  const next = nextPathFor(exe);
  const tmp = `${next}.tmp-${process.pid}`;
  fs.copyFileSync(packageFile, tmp);
  const fd = fs.openSync(tmp, 'r+');
  try {
    fs.fchmodSync(fd, 0o755);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, next);
  fsyncDir(path.dirname(exe));
  return next;
}

/** Keeps the running executable as `.previous` (a hard link, renamed into place) and renames `next` over it. */
export function commitSwap(exe: string, next: string): void {
  const previous = previousPathFor(exe);
  const tmp = `${previous}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  fs.linkSync(exe, tmp);
  fs.renameSync(tmp, previous);
  fs.renameSync(next, exe);
  fsyncDir(path.dirname(exe));
}

export function discardNext(next: string): void {
  fs.rmSync(next, { force: true });
}
