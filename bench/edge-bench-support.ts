// Shared by the edge inference benchmark's parts: the bench model's data and process memory from /proc.
import fs from 'node:fs';
import { runTraining, type TrainingResult, type TrainingTable } from '@prometheus/ml';

export const FEATURES = Array.from({ length: 8 }, (_, f) => `s${f}`);

/** 15 s readings of 8 sensors: slow cycles plus a little structure, enough to train one epoch on. */
export function benchTable(rows: number): TrainingTable {
  const timestamps = Array.from({ length: rows }, (_, i) => Date.UTC(2026, 0, 1) + i * 15_000);
  const values = FEATURES.map((_, f) => Float64Array.from({ length: rows }, (_, i) => Math.sin(i / 20 + f) * (f + 1) + 0.1 * Math.cos(i * 7.1 + f)));
  return { columns: FEATURES, timestamps, values };
}

export async function benchModel(): Promise<TrainingResult> {
  return runTraining({
    architecture: 'lstm_autoencoder', data: benchTable(800),
    hyperparameters: { epochs: 1, sequence_length: 60, hidden_dim: 64, num_layers: 2, bottleneck_dim: 32, stride: 10, weight_decay: 0 },
  });
}

/** Max VmRSS (MB) of a process while it runs, sampled every 200 ms from the host's /proc. */
export function watchRss(pid: number): { peak: () => number; now: () => number; stop: () => void } {
  let peak = 0;
  let last = 0;
  const read = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      last = m ? Number(m[1]) / 1024 : last;
      peak = Math.max(peak, last);
    } catch {
      // exited
    }
  };
  const timer = setInterval(read, 200);
  return { peak: () => peak, now: () => (read(), last), stop: () => clearInterval(timer) };
}

export type MemoryPart = 'qemu translated code' | 'executable file' | 'guest anonymous' | 'qemu heap' | 'qemu binary and host anonymous' | 'libraries and other files';

/**
 * Where a qemu-arm process's RSS sits, from /proc/<pid>/smaps (MB per part). qemu-user maps a 32-bit guest at
 * host addresses below 4 GiB here (guest_base 0), so anonymous memory there is the agent's own (V8 heap,
 * malloc, stacks); the executable anonymous mapping above it is qemu's buffer of translated code.
 */
export function qemuMemory(pid: number, executable: string): Record<MemoryPart, number> {
  const parts: Record<MemoryPart, number> = {
    'qemu translated code': 0, 'executable file': 0, 'guest anonymous': 0, 'qemu heap': 0,
    'qemu binary and host anonymous': 0, 'libraries and other files': 0,
  };
  let part: MemoryPart = 'libraries and other files';
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const map = /^([0-9a-f]+)-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (map) {
      const [, start = '0', perms = '', file = ''] = map;
      if (file === executable) part = 'executable file';
      else if (file === '[heap]') part = 'qemu heap';
      else if (file.includes('qemu-arm')) part = 'qemu binary and host anonymous';
      else if (file !== '') part = 'libraries and other files';
      else if (BigInt(`0x${start}`) < 2n ** 32n) part = 'guest anonymous';
      else part = perms.includes('x') ? 'qemu translated code' : 'qemu binary and host anonymous';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) parts[part] += Number(rss[1]) / 1024;
  }
  return parts;
}
