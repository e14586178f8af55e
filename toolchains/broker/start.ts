import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

// `npm run broker -- --port <p> --dir <d>`: Mosquitto 2 with its dynamic-security plugin in the foreground,
// its state in <d> (config, dynsec database, persistence), for development and tests. When the broker accepts
// connections it writes <d>/hub.env: the environment a hub process needs to use it (MQTT_URL with the dynsec
// admin's credentials, MQTT_PUBLIC_URL for agents). A second run on the same <d> keeps the admin and devices.

const PLUGIN_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib/arm-linux-gnueabihf', '/usr/lib', '/usr/local/lib'];
const PLUGIN = 'mosquitto_dynamic_security.so';
const ADMIN = 'prometheus-admin';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    dir: { type: 'string' },
    bind: { type: 'string', default: '127.0.0.1' },
    'public-host': { type: 'string' },
    'ws-port': { type: 'string' },
    plugin: { type: 'string' },
    mosquitto: { type: 'string' },
    'log-type': { type: 'string', default: 'error' },
  },
});

function fail(message: string): never {
  process.stderr.write(`broker: ${message}\n`);
  process.exit(2);
}

function port(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`--${name} must be a port number (1-65535), got ${value ?? 'nothing'}`);
  return n;
}

function findOnPath(names: string[], dirs: string[]): string | undefined {
  for (const dir of dirs) for (const name of names) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

const listenPort = port(args.port, 'port');
if (!args.dir) fail('--dir <directory> is required (the broker keeps its state there)');
const dir = path.resolve(args.dir);
const wsPort = args['ws-port'] === undefined ? undefined : port(args['ws-port'], 'ws-port');
const binDirs = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
const mosquitto = args.mosquitto ?? findOnPath(['mosquitto'], binDirs) ?? fail('mosquitto not found (Debian: apt-get install mosquitto), or pass --mosquitto <path>');
const ctrl = findOnPath(['mosquitto_ctrl'], binDirs) ?? fail('mosquitto_ctrl not found (Debian: apt-get install mosquitto-clients)');
const plugin = args.plugin ?? findOnPath([PLUGIN], PLUGIN_DIRS) ?? fail(`${PLUGIN} not found; pass --plugin <path>`);

fs.mkdirSync(dir, { recursive: true });
const envFile = path.join(dir, 'hub.env');
const dynsecFile = path.join(dir, 'dynamic-security.json');
const secretFile = path.join(dir, 'admin.secret');
// hub.env appears only once this broker listens: a stale one from a previous run must not signal readiness.
fs.rmSync(envFile, { force: true });

if (!fs.existsSync(dynsecFile)) {
  const password = randomBytes(24).toString('base64url');
  fs.writeFileSync(secretFile, `${password}\n`, { mode: 0o600 });
  const init = spawnSync(ctrl, ['dynsec', 'init', dynsecFile, ADMIN, password], { encoding: 'utf8' });
  if (init.status !== 0) fail(`mosquitto_ctrl dynsec init failed: ${init.stderr || init.stdout}`);
}
const adminPassword = fs.readFileSync(secretFile, 'utf8').trim();

// Run as root, Mosquitto drops to the `mosquitto` user and then cannot read a state directory owned by root
// (mkdtemp makes 0700 ones): for this development broker it stays root. Otherwise it runs as whoever starts it.
const asRoot = process.getuid?.() === 0;
const conf = [
  '# Written by toolchains/broker/start.ts on every start; edit the script, not this file.',
  ...(asRoot ? ['user root'] : []),
  'per_listener_settings false',
  'allow_anonymous false',
  `plugin ${plugin}`,
  `plugin_opt_config_file ${dynsecFile}`,
  'persistence true',
  `persistence_location ${dir}/`,
  'autosave_interval 30',
  'log_dest stdout',
  ...args['log-type']!.split(',').map((t) => `log_type ${t.trim()}`),
  'set_tcp_nodelay true',
  // Deploy chunks are a few hundred KiB; the hub's embedded broker allows 4 MiB packets too.
  'max_packet_size 4194304',
  // A busy replica's backlog is queued, not dropped (the default is 1000 messages per client). Mosquitto 2.0.11 does
  // not hold the hub to its Receive Maximum (bench/mosquitto-flow-probe.ts), so this counts what the hub holds
  // unacknowledged too; 10,000 dropped in the 10,000-agent bench (bench/README.md).
  'max_queued_messages 100000',
  `listener ${listenPort} ${args.bind}`,
  ...(wsPort ? [`listener ${wsPort} ${args.bind}`, 'protocol websockets'] : []),
  '',
].join('\n');
const confFile = path.join(dir, 'mosquitto.conf');
fs.writeFileSync(confFile, conf, { mode: 0o644 });

const child = spawn(mosquitto, ['-c', confFile], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  fs.rmSync(envFile, { force: true });
  process.exit(code ?? (signal ? 1 : 0));
});

function listening(): Promise<boolean> {
  return new Promise((resolve) => {
    const host = args.bind === '0.0.0.0' || args.bind === '::' ? '127.0.0.1' : args.bind!;
    const s = net.connect(listenPort, host, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

const publicHost = args['public-host'] ?? (args.bind === '0.0.0.0' || args.bind === '::' ? '127.0.0.1' : args.bind!);
const hostInUrl = publicHost.includes(':') ? `[${publicHost}]` : publicHost;
for (let i = 0; i < 200 && child.exitCode === null; i++) {
  if (await listening()) {
    const lines = [
      `MQTT_URL=mqtt://${ADMIN}:${encodeURIComponent(adminPassword)}@${hostInUrl}:${listenPort}`,
      `MQTT_PUBLIC_URL=mqtt://${hostInUrl}:${listenPort}`,
      'MQTT_DEVICE_AUTH=dynsec',
      '',
    ];
    const tmp = `${envFile}.tmp`;
    fs.writeFileSync(tmp, lines.join('\n'), { mode: 0o600 });
    fs.renameSync(tmp, envFile);
    process.stderr.write(`broker: Mosquitto listening on ${args.bind}:${listenPort}; hub environment in ${envFile}\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
