// Entry of a probe executable (`npm run build:edge-armv7 -- --entry bench/drift-summaries-probe.ts --out-dir
// dist/drift-summaries-probe`), run by bench/drift-summaries.ts under qemu-arm and on the host: the agent's drift
// keeper (apps/edge-agent/src/runtime/drift.ts: every reading and score binned into the model's training histograms,
// the finished hour's counts serialized as the `drift` message the agent queues) beside the anchor, the same hour's
// raw readings serialized as telemetry batches (what sending the readings upstream for drift would cost). CPU per
// hour of readings and payload bytes per hour of each. One JSON line.
//   probe [hours] [features] [agent-first: 0|1]
import { binDistribution, type TrainingDistribution } from '@prometheus/ml/inference';
import { DriftKeeper } from '@prometheus/edge-agent/drift';
import type { Reading } from '@prometheus/protocol';

const hours = Number(process.argv[2] ?? 720);
const featureCount = Number(process.argv[3] ?? 3);
const driftFirst = process.argv[4] === '1';
const STEP_MS = 15_000; // the controllers' usual poll
const PER_HOUR = 3_600_000 / STEP_MS;
const START = Date.UTC(2026, 2, 6);
const BATCH = 50; // the agent's default telemetry batch_size

function noise(n: number, k: number): number {
  const x = Math.sin(n * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}
const columns = Array.from({ length: featureCount }, (_, k) => `AHU1_POINT_${k}`);
const value = (n: number, k: number) => 50 + 5 * k + (2 + k) * Math.sin((2 * Math.PI * n) / (120 * (1 + (k % 3)))) + 0.3 * noise(n, k);
const reading = (n: number): Reading => ({ ts: START + n * STEP_MS, values: Object.fromEntries(columns.map((c, k) => [c, Number(value(n, k).toFixed(3))])) });
const score = (n: number) => 0.5 + 0.2 * Math.abs(noise(n, 99));

// The training distribution as a model package carries it: two days of the same process.
const train = Array.from({ length: 2 * 24 * PER_HOUR }, (_, n) => reading(n));
const dist: TrainingDistribution = {
  format: 'prometheus-histograms/1', rows: train.length,
  features: columns.map((column) => ({ column, ...(binDistribution(train.map((r) => r.values[column] as number)) as NonNullable<ReturnType<typeof binDistribution>>) })),
  score: binDistribution(train.map((_, n) => score(n))) ?? null,
};
const live = Array.from({ length: hours * PER_HOUR + 1 }, (_, i) => reading(i + train.length));

const cpuUs = (fn: () => void): number => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
};

function drift(): { us: number; bytes: number; messages: number } {
  const keeper = new DriftKeeper(dist);
  let bytes = 0;
  let messages = 0;
  const us = cpuUs(() => {
    // As the runtime hands them over: a poll's readings, then the scores of its windows, then the finished hours.
    for (let i = 0; i < live.length; i += 4) {
      const part = live.slice(i, i + 4);
      for (const r of part) keeper.reading(r);
      part.forEach((r, k) => keeper.score(r.ts, score(i + k)));
      for (const h of keeper.closed()) {
        bytes += Buffer.byteLength(JSON.stringify({ v: 1, kind: 'drift', seq: messages + 1, deployment_id: 'dep_benchdrift01', model_id: 'mdl_benchdrift01', drift: h }));
        messages++;
      }
      if (i % PER_HOUR === 0) keeper.snapshot(); // saved after each batch in the agent; once an hour here is the floor
    }
  });
  return { us, bytes, messages };
}

function raw(): { us: number; bytes: number } {
  let bytes = 0;
  const us = cpuUs(() => {
    for (let i = 0; i + 1 < live.length; i += BATCH) {
      bytes += Buffer.byteLength(JSON.stringify({ v: 1, seq_from: i + 1, readings: live.slice(i, Math.min(i + BATCH, live.length - 1)), dropped: [] }));
    }
  });
  return { us, bytes };
}

const [d, r] = driftFirst ? [drift(), raw()] : (() => {
  const a = raw();
  return [drift(), a] as const;
})();
if (d.messages !== hours) throw new Error(`expected ${hours} hourly summaries, got ${d.messages}`);
console.log(JSON.stringify({
  arch: process.arch, hours, features: featureCount, drift_first: driftFirst,
  drift_us_per_hour: d.us / hours, drift_bytes_per_hour: d.bytes / hours,
  raw_us_per_hour: r.us / hours, raw_bytes_per_hour: r.bytes / hours,
}));
