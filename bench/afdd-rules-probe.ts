// RuleMonitor per reading, in its own process (bundled and run by bench/afdd-rules.ts, on the host and under
// qemu-arm with the armv7 node): CPU per reading and heap added by the monitor. Prints one JSON line.
//   node afdd-rules-probe.mjs [readings]
import { parseAfddSettings, RuleMonitor, type AfddInput } from '@prometheus/afdd';
import { POINTS, synthesize } from './afdd-synthetic.js';

const readings = Number(process.argv[2] ?? 20_000);
const series = synthesize(readings, 7);
// Readings as the agent gets them: one object per reading, built before the clock starts.
const objects = Array.from({ length: readings }, (_, i) => Object.fromEntries(POINTS.map((p) => [p, (series.inputs[p] as Float64Array)[i]])) as Partial<Record<AfddInput, number>>);
const settings = parseAfddSettings({ min_oa_fraction: 0.2 });
const gc = (globalThis as { gc?: () => void }).gc;
// Typed-array backing stores live outside the V8 heap: count both.
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
gc?.();
const heapBefore = used();
const monitor = new RuleMonitor(settings, POINTS);
let events = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < readings; i++) {
  const { started, cleared } = monitor.push(series.timestamps[i] as number, objects[i] as Partial<Record<AfddInput, number>>);
  events += started.length + cleared.length;
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
gc?.();
const heapAfter = used();
// A second monitor, its code already compiled: what each further air handler costs.
const second = new RuleMonitor(settings, POINTS);
for (let i = 0; i < Math.min(readings, 1000); i++) second.push(series.timestamps[i] as number, objects[i] as Partial<Record<AfddInput, number>>);
gc?.();
const heapSecond = used();
console.log(JSON.stringify({
  readings, events,
  us_per_reading_wall: (wallMs * 1000) / readings,
  us_per_reading_cpu: (cpu.user + cpu.system) / readings,
  heap_added_kb: gc ? (heapAfter - heapBefore) / 1024 : null,
  heap_per_further_monitor_kb: gc && second.active().length >= 0 ? (heapSecond - heapAfter) / 1024 : null,
  rss_mb: process.memoryUsage().rss / 2 ** 20,
  arch: process.arch,
}));
