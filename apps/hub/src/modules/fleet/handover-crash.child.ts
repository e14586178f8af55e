// Child process of handover-crash.test.ts. Opens the hub on a data dir (start-up recovery runs, then the hand-over
// drains what a crash left). With a step: a new target, a clean hand-over of readings 1-50, the dataset locked
// (validated) when asked, a clean hand-over of 51-75 (the first one into a tail), then 76-100 (with a new sensor
// when asked) in a hand-over that dies by SIGKILL at the step's point. With none: every edge dataset unlocked and reported.
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig, type Env } from '../../config.js';
import { createHub } from '../../hub.js';
import { edgeFaults, type EdgeFaultPoint } from '../datasets/edge-file.js';
import { handoverFaults } from './dataset-handover.js';

export interface CrashStep {
  name: string;
  point: EdgeFaultPoint | 'inflight' | 'handed';
  widen: boolean;
  locked: boolean;
}

const [dataDir, stepJson, storeEnvJson] = process.argv.slice(2) as [string, string, string | undefined];
const step = JSON.parse(stepJson) as CrashStep | null;
// The test's store settings (DATABASE_URL on a PostgreSQL test run), else SQLite in the data dir.
const storeEnv = JSON.parse(storeEnvJson ?? '{}') as Env;
const hub = await createHub(loadConfig({
  ...storeEnv, PROMETHEUS_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', LOG_LEVEL: 'silent', PROMETHEUS_ADMIN_PASSWORD: 'crash-admin-pass-1',
}), { logger: pino({ level: 'silent' }) });
await hub.start();
const { fleet, datasets, usersRepo } = hub.services;
await fleet.handover.idle();
const row = (await usersRepo.findByUsername('admin'))!;
const admin = { id: row.id, username: 'admin', email: row.email, role: 'admin' as const, sessionId: 'crash' };
const batch = (from: number, length: number, sensors: string[]) => Buffer.from(JSON.stringify({
  v: 1, seq_from: from, dropped: [],
  readings: Array.from({ length }, (_, i) => ({ ts: 1_700_000_000_000 + (from + i) * 1000, values: Object.fromEntries(sensors.map((s, k) => [s, (from + i) * (k + 1)])) })),
}));

if (step) {
  const t = await fleet.targets.create(admin, { name: step.name });
  const { device_id: id } = await fleet.enrollment.enroll({ enrollment_token: t.enrollment_token });
  await fleet.telemetry.ingest(id, batch(1, 50, ['a', 'b']));
  await fleet.handover.schedule(id);
  const datasetId = (await fleet.targets.get(admin, id)).dataset_id!;
  if (step.locked && !(await datasets.validate(datasetId, admin)).locked) throw new Error('not locked');
  await fleet.telemetry.ingest(id, batch(51, 25, ['a', 'b']));
  await fleet.handover.schedule(id);
  await fleet.telemetry.ingest(id, batch(76, 25, step.widen ? ['a', 'b', 'c'] : ['a', 'b']));
  const die = (point: string) => {
    if (point === step.point) process.kill(process.pid, 'SIGKILL');
  };
  edgeFaults.hit = die;
  handoverFaults.hit = (p) => die(p === 'appended' ? 'handed' : p);
  await fleet.handover.schedule(id);
  process.stdout.write('no crash\n');
  process.exit(3);
}

const report: Record<string, { rows: number; a: number[]; n: number; columns: string[] }> = {};
for (const t of await fleet.targets.list(admin)) {
  if (!t.dataset_id) continue;
  const ds = await datasets.get(t.dataset_id, admin);
  if (ds.locked) await datasets.unlock(t.dataset_id, admin);
  const detail = await datasets.get(t.dataset_id, admin);
  const lines = fs.readFileSync(path.join(dataDir, 'datasets', t.dataset_id, 'data.csv'), 'utf8').trim().split('\n');
  const col = lines[0]!.split(',').indexOf('a');
  report[t.name] = { rows: detail.row_count, a: lines.slice(1).map((l) => Number(l.split(',')[col])), n: lines.length - 1, columns: detail.columns };
}
process.stdout.write(`${JSON.stringify(report)}\n`);
await hub.stop();
process.exit(0);
