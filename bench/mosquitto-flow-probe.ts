// Does the installed Mosquitto hold a consumer to the Receive Maximum it asked for (MQTT 5, 3.1.2.11.3)? The hub's
// external-broker consumer asks for 50 (apps/hub/src/mqtt/external-link.ts) and acknowledges each message only after
// its commit, so a broker that honours it keeps a slow hub's backlog in its own queue. A consumer here asks for 50,
// holds every PUBACK and releases them slowly, in order, while 200 publishers send 30 QoS 1 messages each; the probe
// prints the most messages the consumer ever held unacknowledged. Mosquitto 2.0.11 (Debian 12): see bench/README.md.
//   node --import tsx bench/mosquitto-flow-probe.ts [--publishers 200] [--messages 30] [--release-every-ms 2]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { freePort } from './hub-process.js';

const { values: opt } = parseArgs({ options: {
  publishers: { type: 'string', default: '200' }, messages: { type: 'string', default: '30' },
  'release-every-ms': { type: 'string', default: '2' },
} });
const RECEIVE_MAXIMUM = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: () => void) => void;

/** One consumer session: how many messages it got, and the most it held unacknowledged at once. */
async function consume(url: string, publishers: number, messages: number): Promise<{ got: number; released: number; maxHeld: number }> {
  let [got, released, maxHeld] = [0, 0, 0];
  const held: { cmd: string; messageId?: number }[] = [];
  const consumer = await mqtt.connectAsync(url, {
    protocolVersion: 5, clientId: 'probe-consumer', clean: true, properties: { receiveMaximum: RECEIVE_MAXIMUM },
    customHandleAcks: (_t, _p, _packet, done) => {
      got += 1;
      maxHeld = Math.max(maxHeld, got - released);
      done(0);
    },
  });
  // As the hub's ordered acknowledgements do: mqtt.js's PUBACK is held back, then sent in arrival order.
  const internal = consumer as unknown as { _sendPacket: SendPacket };
  const send = internal._sendPacket.bind(consumer);
  internal._sendPacket = (packet, cb) => {
    if (packet.cmd !== 'puback') return send(packet, cb);
    held.push(packet);
    cb?.();
  };
  const releasing = setInterval(() => {
    const packet = held.shift();
    if (!packet) return;
    released += 1;
    send(packet);
  }, Number(opt['release-every-ms']));
  await consumer.subscribeAsync('$share/probe/probe/+/t', { qos: 1 });
  const pubs = await Promise.all(Array.from({ length: publishers }, (_, i) => mqtt.connectAsync(url, { clientId: `probe-pub-${i}` })));
  for (let m = 1; m <= messages; m += 1) await Promise.all(pubs.map((p, i) => p.publishAsync(`probe/${i}/t`, String(m), { qos: 1 })));
  for (let i = 0; i < 100 && got < publishers * messages; i += 1) await sleep(100);
  clearInterval(releasing);
  await Promise.all([...pubs, consumer].map((c) => c.endAsync(true)));
  return { got, released, maxHeld };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mosquitto-flow-'));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'mosquitto.conf'), [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_queued_messages 100000', ''].join('\n'));
  const broker = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const version = await new Promise<string>((resolve) => {
    const v = spawn('mosquitto', ['-h']);
    let out = '';
    v.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    v.on('close', () => resolve(/mosquitto version (\S+)/.exec(out)?.[1] ?? 'unknown'));
  });
  await sleep(500);
  try {
    const [publishers, messages] = [Number(opt.publishers), Number(opt.messages)];
    const r = await consume(`mqtt://127.0.0.1:${port}`, publishers, messages);
    console.log(`Mosquitto ${version}: ${publishers} x ${messages} QoS 1 messages to a consumer asking Receive Maximum ${RECEIVE_MAXIMUM}, one PUBACK every ${opt['release-every-ms']} ms`);
    console.log(`received ${r.got}, acknowledged ${r.released}; most held unacknowledged at once: ${r.maxHeld} (${r.maxHeld > RECEIVE_MAXIMUM ? 'NOT honoured' : 'honoured'})`);
  } finally {
    broker.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
