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
