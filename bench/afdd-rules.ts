// Guideline 36 rules over a year of 1-minute data (525,600 rows x 15 points) on the hub, beside an anchor in the
// same run: a plain pass computing only the 5-minute rolling means of the same arrays (the least any rule engine
// on 5-minute means must do). Then RuleMonitor per reading (the edge path: one reading object at a time) in a
// bundled probe process on the host and, with --sections qemu, under qemu-arm with the armv7 node the edge build uses.
//   node --import tsx bench/afdd-rules.ts [--rows 525600] [--reps 3] [--readings 20000] [--sections hub,monitor,qemu]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { diagnoseSeries, parseAfddSettings, type AfddSeries } from '@prometheus/afdd';
import { ensureBaseNode } from '../toolchains/edge/base-node.js';
import { DEFAULT_CACHE_DIR, REPO_ROOT } from '../toolchains/edge/options.js';
import { armv7Env, qemuCommand } from '../toolchains/qemu.js';
import { POINTS, synthesize } from './afdd-synthetic.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '525600' }, reps: { type: 'string', default: '3' },
    readings: { type: 'string', default: '20000' }, sections: { type: 'string', default: 'hub,monitor' },
  },
});
const sections = new Set((args.sections ?? '').split(','));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

/** The anchor: a time-window running mean (NaN skipped) of every column, two pointers, nothing else. */
function rollingMeansOnly(series: AfddSeries, windowMs: number): number {
  const t = series.timestamps;
  let checksum = 0;
  for (const name of POINTS) {
    const v = series.inputs[name] as Float64Array;
    const out = new Float64Array(v.length);
    let sum = 0;
    let count = 0;
    let tail = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as number;
      if (x === x) [sum, count] = [sum + x, count + 1];
      while ((t[tail] as number) <= (t[i] as number) - windowMs) {
        const y = v[tail++] as number;
        if (y === y) [sum, count] = [sum - y, count - 1];
      }
      out[i] = count ? sum / count : Number.NaN;
    }
    checksum += out[out.length - 1] as number;
  }
  return checksum;
}

function hub(): void {
  const rows = Number(args.rows);
  const series = synthesize(rows);
  const settings = parseAfddSettings({ min_oa_fraction: 0.2 });
  console.log(`hub: ${rows.toLocaleString('en')} rows x ${POINTS.length} points, ${args.reps} reps interleaved (load ${load()})`);
  const anchor = { wall: [] as number[], cpu: [] as number[] };
  const rules = { wall: [] as number[], cpu: [] as number[] };
  let summary = '';
  // CPU time is the steadier figure on a shared machine (wall time counts the other engineers' work too).
  const timed = (into: { wall: number[]; cpu: number[] }, fn: () => void) => {
    const [t0, c0] = [performance.now(), process.cpuUsage()];
    fn();
    const c = process.cpuUsage(c0);
    into.wall.push(performance.now() - t0);
    into.cpu.push((c.user + c.system) / 1000);
  };
  for (let r = 0; r < Number(args.reps); r++) {
    timed(anchor, () => rollingMeansOnly(series, settings.rolling_minutes * 60_000));
    timed(rules, () => {
      const d = diagnoseSeries(series, settings);
      summary = `${d.episodes.length} episodes (${[...new Set(d.episodes.map((e) => e.fault_condition))].join(', ')}), ${d.days.length} days`;
    });
    console.log(`  rep ${r + 1}: rolling means only ${anchor.cpu[r]?.toFixed(0)} ms CPU (wall ${anchor.wall[r]?.toFixed(0)}), diagnoseSeries ${rules.cpu[r]?.toFixed(0)} ms CPU (wall ${rules.wall[r]?.toFixed(0)}) (load ${load()})`);
  }
  console.log(`  ${summary}`);
  console.log(`  median CPU: rolling means only ${median(anchor.cpu).toFixed(0)} ms, diagnoseSeries ${median(rules.cpu).toFixed(0)} ms, ratio ${(median(rules.cpu) / median(anchor.cpu)).toFixed(1)}x`);
  console.log(`  median wall: rolling means only ${median(anchor.wall).toFixed(0)} ms, diagnoseSeries ${median(rules.wall).toFixed(0)} ms, ratio ${(median(rules.wall) / median(anchor.wall)).toFixed(1)}x`);
}

async function bundleProbe(): Promise<string> {
  const outfile = path.join(fs.mkdtempSync(path.join(tmpdir(), 'afdd-probe-')), 'probe.mjs');
  await build({ entryPoints: [fileURLToPath(new URL('./afdd-rules-probe.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'error' });
  return outfile;
}

function runProbe(command: string, argv: string[], env?: NodeJS.ProcessEnv): Record<string, number | string | null> {
  return JSON.parse(execFileSync(command, argv, { env, encoding: 'utf8', timeout: 600_000 }).trim().split('\n').pop() as string);
}

async function monitor(): Promise<void> {
  const probe = await bundleProbe();
  const n = String(args.readings);
  const host: Record<string, number | string | null>[] = [];
  for (let r = 0; r < Number(args.reps); r++) host.push(runProbe(process.execPath, ['--expose-gc', probe, n]));
  const med = (rs: typeof host, key: string) => median(rs.map((x) => Number(x[key])));
  const line = (label: string, rs: typeof host) =>
    console.log(`  ${label}: ${med(rs, 'us_per_reading_cpu').toFixed(2)} us CPU per reading (wall ${med(rs, 'us_per_reading_wall').toFixed(2)}), heap added ${med(rs, 'heap_added_kb').toFixed(0)} KB (each further monitor ${med(rs, 'heap_per_further_monitor_kb').toFixed(0)} KB), process RSS ${med(rs, 'rss_mb') > 0 ? `${med(rs, 'rss_mb').toFixed(0)} MB` : 'n/a (not reported under qemu-user)'} (${rs[0]?.arch}, ${n} readings, ${rs[0]?.events} events)`);
  console.log(`RuleMonitor.push, bundled probe, median of ${args.reps} runs (load ${load()})`);
  line('host node', host);
  if (!sections.has('qemu')) return;
  const base = await ensureBaseNode(path.join(REPO_ROOT, DEFAULT_CACHE_DIR));
  const [cmd, argv] = qemuCommand(base.binary, ['--expose-gc', probe, n]);
  const arm: typeof host = [];
  for (let r = 0; r < Number(args.reps); r++) arm.push(runProbe(cmd, argv, armv7Env()));
  line(`armv7 node ${base.version} under qemu-arm`, arm);
  console.log(`  qemu / host CPU per reading: ${(med(arm, 'us_per_reading_cpu') / med(host, 'us_per_reading_cpu')).toFixed(1)}x`);
}

console.log(`load average at start: ${load()} (2 shared cores; other work on the machine skews both sides alike)`);
if (sections.has('hub')) hub();
if (sections.has('monitor') || sections.has('qemu')) await monitor();
