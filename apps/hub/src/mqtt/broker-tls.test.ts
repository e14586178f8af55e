import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { deviceTopic, type EnrollResponse } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../test/harness.js';

// MQTT over TLS when MQTT_TLS_CERT/MQTT_TLS_KEY are set: a self-signed certificate made with openssl.
let t: TestHub;
let certFile: string;
let tlsPort: number;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-tls-'));
  certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  tlsPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
  t = await createTestHub({ MQTT_TLS_CERT: certFile, MQTT_TLS_KEY: keyFile, MQTT_TLS_PORT: String(tlsPort), MQTT_PUBLIC_URL: `mqtts://127.0.0.1:${tlsPort}` });
  await t.hub.start();
});
afterAll(() => t.close());

describe('MQTT over TLS', () => {
  it('hands agents the mqtts URL and authenticates devices over TLS', async () => {
    const created = await t.request('POST', '/api/v1/deployments/targets', { token: await t.adminToken(), json: { name: 'TLS AHU' } });
    const { enrollment_token } = (await created.json()) as { enrollment_token: string };
    const e = (await (await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token } })).json()) as EnrollResponse;
    expect(e.mqtt.url).toBe(`mqtts://127.0.0.1:${tlsPort}`);
    const c = await mqtt.connectAsync(e.mqtt.url, { clientId: e.device_id, username: e.device_id, password: e.device_secret, ca: fs.readFileSync(certFile), reconnectPeriod: 0 });
    expect((await c.subscribeAsync(deviceTopic(e.device_id, 'ack'), { qos: 1 }))[0]?.qos).toBe(1);
    await c.endAsync();
    await expect(mqtt.connectAsync(e.mqtt.url, { clientId: e.device_id, username: e.device_id, password: e.device_secret, reconnectPeriod: 0 }))
      .rejects.toThrow(/self-signed|certificate/i);
  });

  it('closes a TLS client announcing a 256 MB CONNECT at once (connection-guard.ts)', async () => {
    const s = tls.connect({ host: '127.0.0.1', port: tlsPort, ca: fs.readFileSync(certFile) });
    await new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
    const start = Date.now();
    s.write(Buffer.concat([Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(1024)]));
    await new Promise<void>((resolve) => s.once('close', () => resolve()));
    expect(Date.now() - start).toBeLessThan(2000);
    expect(t.hub.services.broker.refusedConnections().packet_size).toBe(1);
  });
});
