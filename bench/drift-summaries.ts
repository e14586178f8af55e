// Drift summaries from the edge: what the agent's hourly histograms (apps/edge-agent/src/runtime/drift.ts) cost a
// target per day on its link, and the agent CPU per hour of readings, beside the anchor of sending the same hour's
// raw readings upstream (telemetry batches of 50, as the agent's link carries readings), in the same probe process:
// on the host and in a probe executable built like the agent (the armv7 single executable) under qemu-arm.
//   node --import tsx bench/drift-summaries.ts [--hours 720] [--features 3,15] [--reps 3] [--sections host,qemu]
import { execFileSync, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkBuild } from '../toolchains/edge/manifest.js';
import { REPO_ROOT, resolveBuildOptions } from '../toolchains/edge/options.js';
import { armv7Env, qemuCommand } from '../toolchains/qemu.js';

const { values: args } = parseArgs({
  options: {
    hours: { type: 'string', default: '720' }, features: { type: 'string', default: '3,15' }, reps: { type: 'string', default: '3' },
    sections: { type: 'string', default: 'host,qemu' },
  },
});
const sections = new Set((args.sections ?? '').split(','));
const reps = Number(args.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

interface ProbeResult {
  arch: string;
  drift_us_per_hour: number;
  drift_bytes_per_hour: number;
  raw_us_per_hour: number;
  raw_bytes_per_hour: number;
}

function run(command: string, argv: string[], env?: NodeJS.ProcessEnv): ProbeResult {
  return JSON.parse(execFileSync(command, argv, { env, encoding: 'utf8', timeout: 900_000 }).trim().split('\n').pop() as string) as ProbeResult;
}

function report(label: string, features: number, runOnce: (driftFirst: boolean) => ProbeResult): void {
  const results = Array.from({ length: reps }, (_, r) => runOnce(r % 2 === 0));
  const dUs = median(results.map((x) => x.drift_us_per_hour));
  const rUs = median(results.map((x) => x.raw_us_per_hour));
  const dB = median(results.map((x) => x.drift_bytes_per_hour));
  const rB = median(results.map((x) => x.raw_bytes_per_hour));
  console.log(`  ${label} (${results[0]?.arch}), ${features} features: drift summaries ${(dB * 24 / 1024).toFixed(1)} KiB per target per day `
    + `(${dB.toFixed(0)} B an hour) vs raw readings ${(rB * 24 / 1024).toFixed(0)} KiB per day: ratio ${(rB / dB).toFixed(0)}x fewer bytes; `
    + `agent CPU ${(dUs / 1000).toFixed(2)} ms per hour of readings (binning 240 readings and scores, one message) vs ${(rUs / 1000).toFixed(2)} ms to serialize the raw hour: `
    + `ratio ${(dUs / rUs).toFixed(2)}x; runs ${results.map((x) => (x.drift_us_per_hour / 1000).toFixed(2)).join(' / ')} ms (load ${load()})`);
}

console.log(`${args.hours} hours of 15 s readings per run, payload bytes (the MQTT topic and header add ~60 B a message to both), ${reps} runs each (load at start ${load()})`);
const featureCounts = (args.features ?? '3').split(',').map(Number);
if (sections.has('host')) {
  const probe = path.join(REPO_ROOT, 'bench/drift-summaries-probe.ts');
  for (const f of featureCounts) report('host node', f, (first) => run(process.execPath, ['--import', 'tsx', probe, String(args.hours), String(f), first ? '1' : '0']));
}
if (sections.has('qemu')) {
  const probe = resolveBuildOptions({ entry: 'bench/drift-summaries-probe.ts', outDir: 'dist/drift-summaries-probe' });
  if (!checkBuild(probe).current) {
    spawnSync('npm', ['run', 'build:edge-armv7', '--', '--entry', probe.entry, '--out-dir', probe.outDir], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  for (const f of featureCounts) {
    report('armv7 executable under qemu-arm', f, (first) => {
      const [cmd, argv] = qemuCommand(path.join(probe.outDir, probe.name), [String(args.hours), String(f), first ? '1' : '0']);
      return run(cmd, argv, armv7Env());
    });
  }
}
