import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, removeTempDirs, root, tempDir, waitFor } from './edge-link/harness.js';

// Logging must never stop the hub or the agent (issue 17, item 3): with their log output piped to a
// reader that stops reading, or one that is gone (EPIPE), both keep working, drop and count what
// cannot be written, and exit within their shutdown timeout of SIGTERM.
const SHUTDOWN_TIMEOUT_MS = 3000;
/** Room for the process to start stopping and for the exit to be seen here. */
const SLACK_MS = 2000;
const children: ChildProcess[] = [];

interface Watched {
  child: ChildProcess;
  /** Everything read from the log pipe so far. */
  text(): string;
  exited: Promise<number | null>;
}

/** Spawns with the log pipe read into memory; `pause()`/`destroy()` on `pipe` make the reader stall or go. */
function watch(args: string[], env: Record<string, string>, logFd: 'stdout' | 'stderr'): Watched & { pipe: NodeJS.ReadableStream & { destroy(): void } } {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  const pipe = child[logFd]!;
  pipe.on('data', (d: Buffer) => (text += d.toString()));
  pipe.on('error', () => undefined);
  const other = logFd === 'stdout' ? child.stderr! : child.stdout!;
  other.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, text: () => text, exited, pipe };
}

const logLines = (text: string) => text.split('\n').flatMap((l) => {
  try {
    return [JSON.parse(l) as Record<string, unknown>];
  } catch {
    return [];
  }
});

/** The sum of the counts in every `log lines dropped` line. */
const droppedReported = (text: string) => logLines(text)
  .filter((l) => l.msg === 'log lines dropped: the output was not being read')
  .reduce((sum, l) => sum + Number(l.dropped), 0);

/** SIGTERM, then the time until the process exited (or the bound plus a second, if it hangs). */
async function stopTimed(w: Watched): Promise<{ ms: number; code: number | null | 'hung' }> {
  const start = Date.now();
  w.child.kill('SIGTERM');
  const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), SHUTDOWN_TIMEOUT_MS + SLACK_MS + 1000).unref());
  const code = await Promise.race([w.exited, hung]);
  return { ms: Date.now() - start, code };
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => removeTempDirs());

describe('the hub with a log reader that stalls or dies', () => {
  // The hub as `npm start` runs it: compiled once, then plain JavaScript (see hub-built.test.ts).
  beforeAll(async () => {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'apps/hub/compile-if-stale.ts'], { cwd: root });
  }, 120_000);

  async function startHub(): Promise<Watched & { pipe: NodeJS.ReadableStream & { destroy(): void }; url: string }> {
    const port = await freePort();
    const w = watch(['--conditions=built', 'apps/hub/dist/main.js'], {
      PORT: String(port), HOST: '127.0.0.1', MQTT_PORT: '0', PROMETHEUS_DATA_DIR: tempDir('log-stall-hub'), PROMETHEUS_ADMIN_PASSWORD: 'log-stall-admin-1',
      LOG_LEVEL: 'info', LOG_MAX_QUEUED_BYTES: '16384', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), RATE_LIMIT_API_PER_MIN: '1000000',
    }, 'stdout');
    const url = `http://127.0.0.1:${port}`;
    await waitFor('hub /health', async () => (await fetch(`${url}/health`)).ok, 90_000, 200);
    return { ...w, url };
  }

  /**
   * `n` requests, 20 at a time, each logged by the hub with its 4 KB path (a 404); the statuses of those that
   * did not answer within 5 s (0) or failed (5xx). The child's log pipe is a socket pair holding some
   * 400 KB, so a stall shows past that.
   */
  async function flood(url: string, n: number): Promise<number[]> {
    const statuses: number[] = [];
    const long = `${url}/api/v1/${'x'.repeat(4000)}`;
    for (let i = 0; i < n; i += 20) {
      const batch = Array.from({ length: Math.min(20, n - i) }, () => fetch(long, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => 0));
      statuses.push(...await Promise.all(batch));
    }
    return statuses.filter((s) => s === 0 || s >= 500);
  }

  it('keeps answering while stdout is not read and exits within SHUTDOWN_TIMEOUT_MS of SIGTERM', async () => {
    const hub = await startHub();
    hub.pipe.pause();
    // 600 logged requests are ~2.5 MB: past the pipe (~200 KB here) and the 16 KB queue. Before, the lines
    // piled up in the hub and its exit hook retried writing them to the full pipe forever.
    expect(await flood(hub.url, 600)).toEqual([]);
    const stop = await stopTimed(hub);
    expect(stop.code).toBe(0);
    expect(stop.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SLACK_MS);
  });

  it('drops the lines a stalled reader cannot take and reports how many once it reads again', async () => {
    const hub = await startHub();
    hub.pipe.pause();
    expect(await flood(hub.url, 300)).toEqual([]);
    hub.pipe.resume();
    await waitFor('the dropped-lines report', async () => {
      await fetch(`${hub.url}/health`);
      return droppedReported(hub.text()) > 50;
    }, 10_000, 200);
    expect(logLines(hub.text()).find((l) => l.msg === 'log lines dropped: the output was not being read')?.level).toBe(40);
  });

  it('keeps answering when the stdout reader is gone (EPIPE) and exits on SIGTERM', async () => {
    const hub = await startHub();
    hub.pipe.destroy();
    expect(await flood(hub.url, 300)).toEqual([]);
    const stop = await stopTimed(hub);
    expect(stop.code).toBe(0);
    expect(stop.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SLACK_MS);
  });
});

describe('the edge agent with a log reader that stalls or dies', () => {
  /**
   * The agent's cheapest `run`: enrolled by a hand-written credentials file, its broker a socket that
   * refuses every CONNECT (CONNACK 5, not authorized), so it logs two lines every 10 ms (~45 KB/s here).
   * Each connection it makes shows it is working.
   */
  async function startAgent(): Promise<Watched & { pipe: NodeJS.ReadableStream & { destroy(): void }; attempts(): number }> {
    let attempts = 0;
    const broker = net.createServer((s) => {
      attempts++;
      s.on('error', () => undefined);
      s.end(Buffer.from([0x20, 0x02, 0x00, 0x05]));
    });
    await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
    const mqttPort = (broker.address() as net.AddressInfo).port;
    const stateDir = tempDir('log-stall-agent');
    fs.writeFileSync(path.join(stateDir, 'credentials.json'), JSON.stringify({
      device_id: 'tgt_logstall1', device_secret: 'secret', target_name: 'Log stall', hub_url: 'http://127.0.0.1:9',
      mqtt_url: `mqtt://127.0.0.1:${mqttPort}`, ws_url: 'ws://127.0.0.1:9/mqtt', enrolled_at: new Date().toISOString(),
    }), { mode: 0o600 });
    const configFile = path.join(stateDir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify({
      source: { kind: 'sensors', url: 'http://127.0.0.1:9/sensors' }, interval_s: 1, reconnect: { initial_ms: 10, max_ms: 10 },
      log_level: 'info', log_max_queued_bytes: 4096, shutdown_timeout_ms: SHUTDOWN_TIMEOUT_MS,
    }));
    const w = watch(['apps/edge-agent/bin/prometheus-edge.js', 'run', '--state-dir', stateDir, '--config', configFile], {}, 'stderr');
    void w.exited.then(() => broker.close());
    await waitFor('agent reconnecting', () => attempts > 3, 60_000, 100);
    return { ...w, attempts: () => attempts };
  }

  /** Connections the agent made to its broker during `ms`: it is alive and working. */
  const stillWorking = async (agent: { attempts(): number }, ms: number) => {
    const before = agent.attempts();
    await new Promise((r) => setTimeout(r, ms));
    return agent.attempts() - before;
  };

  it('keeps working while stderr is not read, reports the dropped lines once it is, and exits on SIGTERM', async () => {
    const agent = await startAgent();
    agent.pipe.pause();
    // ~45 KB/s fill the pipe (~200 KB here) and the 4 KB queue within ~5 s; the rest is dropped.
    await new Promise((r) => setTimeout(r, 8000));
    expect(await stillWorking(agent, 1000)).toBeGreaterThan(20);
    agent.pipe.resume();
    // The stall's drops, reported when lines flow again (a burst within one tick may have dropped a few before).
    await waitFor('the dropped-lines report', () => droppedReported(agent.text()) > 100, 10_000, 100);
    agent.pipe.pause();
    await new Promise((r) => setTimeout(r, 2000));
    const stop = await stopTimed(agent);
    expect(stop.code).toBe(0);
    expect(stop.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SLACK_MS);
  });

  it('keeps working when the stderr reader is gone (EPIPE) and exits on SIGTERM', async () => {
    const agent = await startAgent();
    agent.pipe.destroy();
    await new Promise((r) => setTimeout(r, 1000));
    // Before, the first write after the reader went killed the agent (an unhandled EPIPE).
    expect(agent.child.exitCode).toBeNull();
    expect(await stillWorking(agent, 1000)).toBeGreaterThan(20);
    const stop = await stopTimed(agent);
    expect(stop.code).toBe(0);
    expect(stop.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SLACK_MS);
  });
});
