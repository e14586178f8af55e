import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { Role } from '@prometheus/protocol';
import type { Clock } from '../clock.js';
import { loadConfig, type Env } from '../config.js';
import { createHub, type Hub } from '../hub.js';
import { dropTestStore, testStoreEnv } from './pg.js';

// Test factories: a hub on a temporary data dir, driven through app.request() (no socket),
// with every JSON response checked against its documented schema.
export const ADMIN_PASSWORD = 'admin-password-1';

export interface TestClock extends Clock {
  advance(ms: number): void;
}

export function testClock(start = Date.now()): TestClock {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

export interface RequestOptions {
  token?: string | undefined;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
}

export interface TestHub {
  hub: Hub;
  dataDir: string;
  request(method: string, url: string, opts?: RequestOptions): Promise<Response>;
  /** Logs in and returns the token; fails the test on anything but 200. */
  login(username: string, password: string): Promise<string>;
  adminToken(): Promise<string>;
  /** Creates a verified user with a role and returns its token. */
  userWithRole(role: Role, username?: string): Promise<{ token: string; username: string; id: string }>;
  close(): Promise<void>;
}

let counter = 0;

export async function createTestHub(env: Env = {}, opts: { clock?: Clock; logger?: Logger } = {}): Promise<TestHub> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-test-'));
  // A caller's own data dir outlives close() (restart tests), and so does its PostgreSQL schema.
  const storeDir = env.PROMETHEUS_DATA_DIR ?? dataDir;
  // DEFAULT_TIER free: module tests exercise the tier limits; the hub's own default is in default-tier.test.ts.
  const config = loadConfig({
    PROMETHEUS_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', PROMETHEUS_ADMIN_PASSWORD: ADMIN_PASSWORD, MQTT_PORT: '0',
    DEFAULT_TIER: 'free', ...(await testStoreEnv(storeDir)), ...env,
  });
  const hub = await createHub(config, { logger: opts.logger ?? pino({ level: 'silent' }), strictResponses: true, ...(opts.clock ? { clock: opts.clock } : {}) });
  await hub.services.users.ensureBootstrapAdmin(config.adminPassword);

  const request = (method: string, url: string, o: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body = o.body;
    if (o.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.json);
    }
    return Promise.resolve(hub.app.request(url, { method, headers, ...(body !== undefined ? { body } : {}) }));
  };

  const login = async (username: string, password: string) => {
    const res = await request('POST', '/api/v1/auth/login', { json: { username, password } });
    if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  };

  let admin: string | undefined;
  const adminToken = async () => (admin ??= await login('admin', ADMIN_PASSWORD));

  return {
    hub, dataDir, request, login, adminToken,
    async userWithRole(role, username = `${role}${++counter}`) {
      const password = `${username}-password`;
      const res = await request('POST', '/api/v1/admin/users', { token: await adminToken(), json: { username, email: `${username}@example.com`, password, role } });
      if (res.status !== 201) throw new Error(`creating ${username} answered ${res.status}: ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      return { token: await login(username, password), username, id };
    },
    async close() {
      await hub.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (storeDir === dataDir) await dropTestStore(dataDir);
    },
  };
}
