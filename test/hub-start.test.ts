import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

// Starts the hub exactly as the README's Quick start does (`npm start` at the root), on a temporary
// data dir and a free port, logs in over real HTTP and stops it with a signal.
const root = path.resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];

interface Started {
  child: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

function startHub(env: Record<string, string>): Promise<Started> {
  const child = spawn('npm', ['start', '--silent'], { cwd: root, env: { ...process.env, LOG_LEVEL: 'info', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  // Done when npm has exited AND every writer of the pipe (the hub's node process) has closed it.
  const npmExit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const pipeClosed = new Promise<void>((resolve) => child.stdout!.on('close', () => resolve()));
  const exited = Promise.all([npmExit, pipeClosed]).then(([code]) => code);
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (process.env.DEBUG_HUB_START) process.stderr.write(`${line}\n`);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === 'hub listening') resolve({ child, port: Number(entry.port), lines, exited });
      } catch {
        // npm's own lines are not JSON.
      }
    });
    void npmExit.then((code) => reject(new Error(`hub exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error('hub did not start within 60 s')), 60_000).unref();
  });
}

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-start-'));

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('hub start as the README says', () => {
  it('starts, serves a login, finishes an in-flight request on SIGTERM and exits 0', async () => {
    const dataDir = tempDir();
    const hub = await startHub({ PORT: '0', MQTT_PORT: '0', PROMETHEUS_DATA_DIR: dataDir, PROMETHEUS_ADMIN_PASSWORD: 'readme-admin-pass' });
    const base = `http://127.0.0.1:${hub.port}`;
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'ok' });
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'readme-admin-pass' }) });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const inFlight = fetch(`${base}/api/v1/system/metrics`, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((r) => setTimeout(r, 20));
    process.kill(-hub.child.pid!, 'SIGTERM');
    expect((await inFlight).status).toBe(200);
    await hub.exited;
    // npm itself dies of the signal; the hub's own clean exit is its last log line.
    expect(hub.lines.at(-1)?.msg).toBe('hub stopped');
    expect(fs.existsSync(path.join(dataDir, 'prometheus.db'))).toBe(true);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the first admin with a generated password printed once', async () => {
    const dataDir = tempDir();
    const hub = await startHub({ PORT: '0', MQTT_PORT: '0', PROMETHEUS_DATA_DIR: dataDir, PROMETHEUS_ADMIN_PASSWORD: '' });
    const entry = hub.lines.find((l) => typeof l.generatedPassword === 'string');
    expect(entry).toBeDefined();
    const res = await fetch(`http://127.0.0.1:${hub.port}/api/v1/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'admin', password: entry!.generatedPassword }) });
    expect(res.status).toBe(200);
    process.kill(-hub.child.pid!, 'SIGINT');
    await hub.exited;
    expect(hub.lines.at(-1)?.msg).toBe('hub stopped');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start on a bad setting, naming the variable', async () => {
    const child = spawn('npm', ['start', '--silent'], { cwd: root, env: { ...process.env, PORT: 'eighty', PROMETHEUS_DATA_DIR: tempDir() }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain('PORT');
  });

  it('says which variable moves a port another program holds, without a stack trace', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
    const taken = (holder.address() as net.AddressInfo).port;
    try {
      const env = { ...process.env, PORT: '0', MQTT_PORT: String(taken), PROMETHEUS_DATA_DIR: tempDir() };
      const child = spawn('npm', ['start', '--silent'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(2);
      expect(stderr).toContain(`port ${taken} is already in use`);
      expect(stderr).toContain('set MQTT_PORT to a free port, or 0');
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  });
});
