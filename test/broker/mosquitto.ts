import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

// A Mosquitto with dynamic security started the way developers start it (`npm run broker -- --port --dir`),
// on a free port (the machine's own Mosquitto holds 1883), and the environment it wrote for hub processes.

const root = path.resolve(import.meta.dirname, '../..');

export interface TestBroker {
  port: number;
  dir: string;
  /** <dir>/hub.env as a record: MQTT_URL, MQTT_PUBLIC_URL, MQTT_DEVICE_AUTH. */
  env: Record<string, string>;
  /** The hub's admin login, for probes that must see everything. */
  adminUrl: string;
  publicUrl: string;
  output: string[];
  stop(): Promise<void>;
}

export function readEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

export async function freeBrokerPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `npm run broker`'s script and resolves once hub.env exists (the broker then listens). */
export async function startTestBroker(dir: string, port?: number): Promise<TestBroker> {
  const p = port ?? await freeBrokerPort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'toolchains/broker/start.ts', '--port', String(p), '--dir', dir], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const envFile = path.join(dir, 'hub.env');
  const deadline = Date.now() + 20_000;
  while (!fs.existsSync(envFile)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`broker did not start: ${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const env = readEnvFile(envFile);
  return {
    port: p, dir, env, adminUrl: env.MQTT_URL!, publicUrl: env.MQTT_PUBLIC_URL!, output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
