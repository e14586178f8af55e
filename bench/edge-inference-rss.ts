// The real armv7 agent's memory under qemu-arm over a 24 h-equivalent of 15 s readings: the hub in this
// process (embedded broker), the agent executable enrolled and running against the Aegis-DB double, the bench
// model deployed to it, then the readings fed an hour (240) at a time; each hour the agent syncs them, scores
// the newest windows (PER_POLL) and hands scores and readings to the hub.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainingResult } from '@prometheus/ml';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { loadConfig } from '../apps/hub/src/config.js';
import type { AuthUser } from '../apps/hub/src/http/context.js';
import { createHub } from '../apps/hub/src/hub.js';
import { startAegisDbFake } from '../test/fakes/index.js';
import { edgeExecutable, ensureEdgeBuild, runEdge } from '../test/deploy/armv7.js';
import { FEATURES, qemuMemory, watchRss, type MemoryPart } from './edge-bench-support.js';

const HOUR = 240;
// Windows scored per simulated hour. The agent scores every window as its reading arrives (one per 15 s); fed
// an hour at a time it scores the newest `max_windows_per_poll`. Emulated, the JavaScript evaluator takes
// ~1.5 s a window, so 30 an hour keeps the 24 h run near 20 minutes; memory does not depend on the count.
const PER_POLL = 30;

function documents(from: number, to: number): Record<string, unknown>[] {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    const doc: Record<string, unknown> = { timestamp: new Date(Date.UTC(2026, 0, 2) + i * 15_000).toISOString() };
    FEATURES.forEach((f, j) => (doc[f] = Math.sin(i / 20 + j) * (j + 1) + 0.1 * Math.cos(i * 7.1 + j)));
    return doc;
  });
}

const vmHwm = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function measureAgentRss(model: TrainingResult, readings: number, nodeOptions = ''): Promise<void> {
  ensureEdgeBuild();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-rss-'));
  const hub = await createHub(loadConfig({ PROMETHEUS_DATA_DIR: path.join(dir, 'hub'), PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', LOG_LEVEL: 'silent', PROMETHEUS_ADMIN_PASSWORD: 'bench-admin-1' }), { logger: pino({ level: 'silent' }) });
  const port = await hub.start();
  const admin = await hub.services.usersRepo.findByUsername('admin');
  const actor: AuthUser = { id: admin!.id, username: 'admin', email: admin!.email, role: 'admin', sessionId: 'bench' };
  const db = await startAegisDbFake({ mode: 'new', token: 'aegis' });
  const stateDir = path.join(dir, 'agent');
  fs.mkdirSync(stateDir);
  const config = path.join(stateDir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ source: { kind: 'aegis', url: db.url, token: 'aegis', page_size: 500 }, mqtt_url: `mqtt://127.0.0.1:${hub.services.broker.port()}`, interval_s: 1, log_level: 'warn', inference: { max_windows_per_poll: PER_POLL } }));
  let agent: ReturnType<typeof runEdge> | undefined;
  try {
    const target = await hub.services.fleet.targets.create(actor, { name: 'RSS bench', arch: 'armv7' });
    const enroll = runEdge(['enroll', '--hub', `http://127.0.0.1:${port}`, '--token', target.enrollment_token, '--state-dir', stateDir, '--config', config]);
    if ((await enroll.exited) !== 0) throw new Error(`enroll: ${enroll.lines.join('\n')}`);
    const row = await hub.services.models.register({ ownerId: actor.id, name: 'bench', datasetId: 'ds_bench', equipmentType: 'air_handler', trainingRunId: 'tr_bench', result: model });
    agent = runEdge(['run', '--state-dir', stateDir, '--config', config], nodeOptions ? { NODE_OPTIONS: nodeOptions } : {});
    const pid = agent.child.pid as number;
    const rss = watchRss(pid);
    await until('agent online', () => hub.services.broker.isOnline(target.id), 120_000);
    await new Promise((r) => setTimeout(r, 5000));
    const idle = rss.now();
    const exe = path.resolve(edgeExecutable);
    const parts: Record<string, Record<MemoryPart, number>> = { idle: qemuMemory(pid, exe) };
    const started = Date.now();
    const dep = await hub.services.deployments.create(actor, { model_id: row.id, target_id: target.id });
    await until('deployed', async () => (await hub.services.deployments.get(dep.id, actor)).status === 'deployed', 600_000);
    const deployedAfter = (Date.now() - started) / 1000;
    const runtime = (await hub.services.deployments.get(dep.id, actor)).health?.runtime ?? 'unknown';
    const withModel = rss.now();
    parts.deployed = qemuMemory(pid, exe);
    const scores = async () => (await hub.store.rows<{ n: number }>(sql`SELECT count(*) AS n FROM edge_scores WHERE target_id = ${target.id}`))[0]!.n;
    const stored = async () => (await hub.services.fleet.targets.get(actor, target.id)).readings_stored;
    const timeline: string[] = [];
    const feedStart = Date.now();
    const perPoll = PER_POLL;
    let expected = 0;
    for (let at = 0; at < readings; at += HOUR) {
      const to = Math.min(readings, at + HOUR);
      // Windows ending at the newest `perPoll` readings of the hour (the first hour fills the window first).
      expected += Math.min(perPoll, to - Math.max(at, model.model.metadata.sequence_length - 1));
      db.insert('hardware_metrics', documents(at, to));
      await until(`hour ${at / HOUR + 1}`, async () => (await stored()) >= to && (await scores()) >= expected, 1_800_000);
      if ((to / HOUR) % 6 === 0 || to === readings) timeline.push(`| ${to} (${to / HOUR} h) | ${await scores()} | ${rss.now().toFixed(0)} | ${((Date.now() - feedStart) / 60_000).toFixed(1)} |`);
    }
    const peak = vmHwm(pid);
    parts.end = qemuMemory(pid, exe);
    rss.stop();
    console.log(`\n### Agent RSS under qemu-arm over ${readings} readings at 15 s (load ${os.loadavg()[0]?.toFixed(1)})\n`);
    console.log(`agent NODE_OPTIONS: ${nodeOptions || '(none)'}\n`);
    console.log(`idle, enrolled, no model: ${idle.toFixed(0)} MB; model deployed (int8, runtime ${runtime}) after ${deployedAfter.toFixed(0)} s: ${withModel.toFixed(0)} MB\n`);
    console.log('| readings fed | windows scored at the hub | agent RSS (MB) | minutes |\n|---|---|---|---|');
    for (const line of timeline) console.log(line);
    console.log(`\npeak RSS (VmHWM) of the qemu-arm process: ${peak.toFixed(0)} MB (goal < 150 MB)`);
    console.log('\nWhere the RSS sits (MB, from /proc/<pid>/smaps):\n\n| part | idle | deployed | end |\n|---|---|---|---|');
    for (const part of Object.keys(parts.idle ?? {}) as MemoryPart[]) {
      console.log(`| ${part} | ${['idle', 'deployed', 'end'].map((when) => parts[when]?.[part].toFixed(1)).join(' | ')} |`);
    }
  } finally {
    await agent?.stop();
    await hub.stop();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
