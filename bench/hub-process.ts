import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileIfStale } from '../apps/hub/compile-if-stale.js';

// What the HTTP benches share: a hub in its own process as `npm start` runs it (compiled; or under tsx, the
// runtime before), its admin's token, and the process's memory from /proc.
export const BENCH_PASSWORD = 'bench-password-1';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** VmHWM (peak) or VmRSS (resident) of a process, in MB. */
export const procMb = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx (30 s); kills `child` and throws otherwise. */
export async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${url} did not come up`);
}

export interface BenchHub { url: string; pid: number; stop: () => void }

/** A hub on a free port with its state in `dataDir`, logging warnings only; `env` adds or overrides variables. */
export async function startBenchHub(opts: { dataDir: string; env?: Record<string, string>; runtime?: 'compiled' | 'tsx' }): Promise<BenchHub> {
  const args = opts.runtime === 'tsx'
    ? ['--import', 'tsx', path.join(root, 'apps/hub/src/main.ts')]
    : ['--conditions=built', path.join(root, 'apps/hub/dist/main.js')];
  if (opts.runtime !== 'tsx') await compileIfStale();
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', PROMETHEUS_DATA_DIR: opts.dataDir, PROMETHEUS_ADMIN_PASSWORD: BENCH_PASSWORD,
      LOG_LEVEL: 'warn', MQTT_PORT: '0', MQTT_TLS_PORT: '0', ...opts.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health/ready`, child);
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

/** The bootstrap admin's token, its tier lifted to enterprise so the limits stay out of the measurement. */
export async function adminToken(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: BENCH_PASSWORD }) });
  const { token } = (await res.json()) as { token: string };
  await fetch(`${url}/api/v1/admin/users/admin/subscription`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ tier: 'enterprise' }) });
  return token;
}

/**
 * Uploads a CSV file as the console does (multipart), streamed from disk with a Content-Length so the hub sees
 * the size up front; answers the status and the parsed body once the 201 with every column's stats arrives.
 */
export async function uploadCsvFile(url: string, token: string, file: string, form: { name: string; equipmentType: string }): Promise<{ status: number; answer: Record<string, unknown> }> {
  const boundary = `----prometheus-bench-${Math.random().toString(36).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n${form.name}\r\n`
    + `--${boundary}\r\nContent-Disposition: form-data; name="equipment_type"\r\n\r\n${form.equipmentType}\r\n`
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(file)}"\r\nContent-Type: text/csv\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = fs.statSync(file).size;
  const body = (async function* () {
    yield head;
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
    yield tail;
  })();
  const res = await fetch(`${url}/api/v1/datasets`, {
    method: 'POST', body: body as unknown as RequestInit['body'], duplex: 'half',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) },
  } as RequestInit);
  return { status: res.status, answer: (await res.json()) as Record<string, unknown> };
}
