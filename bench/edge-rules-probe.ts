// Entry of a probe executable (`npm run build:edge-armv7 -- --entry bench/edge-rules-probe.ts --out-dir
// dist/edge-rules-probe`), run by bench/edge-rules.ts under qemu-arm: the Guideline 36 rules inside the armv7 single
// executable, on the agent's own path (the runtime's rule stage: readings keyed by sensor name in the site's units,
// the deployment's point map, unit conversion, RuleMonitor, alert events), beside the anchor RuleMonitor.push on
// readings already in canonical units. CPU per reading of each, and the memory the rule stage adds. One JSON line.
//   probe [readings] [agent-first: 0|1]
import v8 from 'node:v8';
import vm from 'node:vm';
import { DEFAULT_AFDD_SETTINGS, RuleMonitor, type AfddInput } from '@prometheus/afdd';
import { createRuleStage } from '@prometheus/edge-agent/rules';
import type { DeployManifest, Reading } from '@prometheus/protocol';
import { POINTS, synthesize } from './afdd-synthetic.js';

const readings = Number(process.argv[2] ?? 20_000);
const agentFirst = process.argv[3] === '1';
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

// A site's map: its own sensor names, temperatures in C, commands in percent, duct pressure in Pa.
const UNIT: Partial<Record<AfddInput, 'C' | 'percent' | 'Pa' | 'binary'>> = {
  sat: 'C', sat_sp: 'C', mat: 'C', rat: 'C', oat: 'C', ccet: 'C', cclt: 'C', oa_damper: 'percent', cool_valve: 'percent', heat_valve: 'percent',
  fan_speed: 'percent', duct_sp: 'Pa', duct_sp_sp: 'Pa', fan_status: 'binary', occupied: 'binary',
};
const toSite = (input: AfddInput, v: number): number =>
  UNIT[input] === 'C' ? ((v - 32) * 5) / 9 : UNIT[input] === 'percent' ? v * 100 : UNIT[input] === 'Pa' ? v * 249.0889 : v;
const column = (input: AfddInput) => `AHU1_${input.toUpperCase()}`;

const series = synthesize(readings, 7);
const canonical = Array.from({ length: readings }, (_, i) => Object.fromEntries(POINTS.map((p) => [p, (series.inputs[p] as Float64Array)[i]])) as Partial<Record<AfddInput, number>>);
// As the outbox hands them to the runtime: one Reading per poll (15 s at the edge), values keyed by sensor name.
const site: Reading[] = Array.from({ length: readings }, (_, i) => ({
  ts: series.timestamps[i] as number,
  values: Object.fromEntries(POINTS.map((p) => [column(p), toSite(p, (series.inputs[p] as Float64Array)[i] as number)])),
}));
const settings = { ...DEFAULT_AFDD_SETTINGS, min_oa_fraction: 0.2 };
const manifest = {
  deployment_id: 'dep_benchrules', model_id: null,
  rules: { points: POINTS.map((p) => ({ column: column(p), input: p, unit: UNIT[p] ?? null })), settings },
} as unknown as DeployManifest;

// The runtime's queue keeps alert events in SQLite; they are rare (a handful a year), so a list stands in here.
const queued: unknown[] = [];
const meta = new Map<string, string>();
const queue = { push: (m: unknown) => queued.push(m), meta: (k: string) => meta.get(k), setMeta: (k: string, v: string) => void meta.set(k, v) };

const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const cpuUs = (fn: () => void): number => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
};

function anchor(): { us: number; events: number } {
  const monitor = new RuleMonitor(settings, POINTS);
  let events = 0;
  const us = cpuUs(() => {
    for (let i = 0; i < readings; i++) {
      const e = monitor.push(series.timestamps[i] as number, canonical[i] as Partial<Record<AfddInput, number>>);
      events += e.started.length + e.cleared.length;
    }
  });
  return { us, events };
}

function agentPath(): { us: number; events: number; addedKb: number } {
  gc();
  const before = used();
  const stage = createRuleStage(() => 'AHU-1');
  let events = 0;
  const us = cpuUs(() => {
    stage.activate(manifest, queue, site[0]?.ts ?? 0);
    for (let i = 0; i < readings; i++) events += stage.push([site[i] as Reading], queue);
  });
  gc();
  const addedKb = (used() - before) / 1024; // the monitor, its map and the (few) queued alert events
  if (!stage.active()) throw new Error('the rule stage did not start');
  return { us, events, addedKb };
}

/** Ten more stages, each fed enough readings to fill its rolling-mean rings: what each further air handler holds. */
function perStageKb(): number {
  gc();
  const before = used();
  const stages = Array.from({ length: 10 }, () => createRuleStage(() => 'AHU-1'));
  for (const stage of stages) {
    stage.activate(manifest, queue, site[0]?.ts ?? 0);
    for (let i = 0; i < Math.min(readings, 1000); i++) stage.push([site[i] as Reading], queue);
  }
  gc();
  const kb = (used() - before) / 1024 / stages.length;
  if (!stages.every((x) => x.active())) throw new Error('a rule stage did not start');
  return kb;
}

const [first, second] = agentFirst ? [agentPath(), anchor()] : [anchor(), agentPath()];
const further = perStageKb();
const a = (agentFirst ? second : first) as ReturnType<typeof anchor>;
const s = (agentFirst ? first : second) as ReturnType<typeof agentPath>;
console.log(JSON.stringify({
  readings, arch: process.arch, agent_first: agentFirst,
  monitor_us_per_reading: a.us / readings, agent_us_per_reading: s.us / readings,
  monitor_events: a.events, agent_alert_events: s.events, stage_added_kb: s.addedKb, further_stage_kb: further,
}));
