// Guideline 36 rules inside the edge agent, per reading: the agent's rule stage (apps/edge-agent/src/runtime/rules.ts:
// readings keyed by sensor name in the site's units -> the deployment's point map -> canonical units -> RuleMonitor ->
// alert events) beside the anchor RuleMonitor.push on canonical readings, in the same process, in a probe
// executable built like the agent (the armv7 single executable with its V8 prelude) under qemu-arm, and on the host.
//   node --import tsx bench/edge-rules.ts [--readings 20000] [--reps 5] [--sections host,qemu]
import { execFileSync, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkBuild } from '../toolchains/edge/manifest.js';
import { REPO_ROOT, resolveBuildOptions } from '../toolchains/edge/options.js';
import { armv7Env, qemuCommand } from '../toolchains/qemu.js';

const { values: args } = parseArgs({
  options: { readings: { type: 'string', default: '20000' }, reps: { type: 'string', default: '5' }, sections: { type: 'string', default: 'host,qemu' } },
});
const sections = new Set((args.sections ?? '').split(','));
const reps = Number(args.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

interface ProbeResult {
  arch: string;
  agent_first: boolean;
  monitor_us_per_reading: number;
  agent_us_per_reading: number;
  agent_alert_events: number;
  stage_added_kb: number;
  further_stage_kb: number;
}

function run(command: string, argv: string[], env?: NodeJS.ProcessEnv): ProbeResult {
  return JSON.parse(execFileSync(command, argv, { env, encoding: 'utf8', timeout: 900_000 }).trim().split('\n').pop() as string) as ProbeResult;
}

/** Alternating which side runs first (the second finds RuleMonitor's code compiled), medians of each. */
function report(label: string, runOnce: (agentFirst: boolean) => ProbeResult): { monitor: number; agent: number } {
  const results = Array.from({ length: reps }, (_, r) => runOnce(r % 2 === 0));
  const monitor = median(results.map((x) => x.monitor_us_per_reading));
  const agent = median(results.map((x) => x.agent_us_per_reading));
  // Memory only where the stage ran first: then it includes compiling the rule code, as in the agent.
  const kb = median(results.filter((x) => x.agent_first).map((x) => x.stage_added_kb));
  const further = median(results.map((x) => x.further_stage_kb));
  console.log(`  ${label} (${results[0]?.arch}): agent rule stage ${agent.toFixed(2)} us CPU per reading, RuleMonitor.push alone ${monitor.toFixed(2)} us, `
    + `ratio ${(agent / monitor).toFixed(2)}x; memory added by the first stage (code + buffers) ${kb.toFixed(0)} KB, by each further one ${further.toFixed(0)} KB; runs ${results.map((x) => x.agent_us_per_reading.toFixed(1)).join(' / ')} us (load ${load()})`);
  return { monitor, agent };
}

console.log(`${args.readings} readings (1-minute synthetic air handler, 15 mapped points in C / percent / Pa), ${reps} runs each (load at start ${load()})`);
let host: { monitor: number; agent: number } | undefined;
if (sections.has('host')) {
  const probe = path.join(REPO_ROOT, 'bench/edge-rules-probe.ts');
  host = report('host node', (first) => run(process.execPath, ['--import', 'tsx', probe, String(args.readings), first ? '1' : '0']));
}
if (sections.has('qemu')) {
  const probe = resolveBuildOptions({ entry: 'bench/edge-rules-probe.ts', outDir: 'dist/edge-rules-probe' });
  if (!checkBuild(probe).current) {
    spawnSync('npm', ['run', 'build:edge-armv7', '--', '--entry', probe.entry, '--out-dir', probe.outDir], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  const arm = report('armv7 executable under qemu-arm', (first) => {
    const [cmd, argv] = qemuCommand(path.join(probe.outDir, probe.name), [String(args.readings), first ? '1' : '0']);
    return run(cmd, argv, armv7Env());
  });
  if (host) console.log(`  qemu / host, agent rule stage: ${(arm.agent / host.agent).toFixed(1)}x`);
}
