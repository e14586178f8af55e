import os from 'node:os';
import { EnrollResponse } from '@prometheus/protocol';
import { writeCredentials, type Credentials } from './credentials.js';
import { httpRequest } from './http-client.js';
import type { AgentPaths } from './paths.js';
import { AGENT_VERSION } from './version.js';

/** `prometheus-edge enroll`: trades the one-time token for device credentials and keeps them in the state dir. */
export async function enroll(paths: AgentPaths, hubUrl: string, token: string): Promise<Credentials> {
  const base = hubUrl.replace(/\/$/, '');
  const res = await httpRequest(`${base}/api/v1/deployments/targets/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollment_token: token, arch: process.arch, agent_version: AGENT_VERSION, hostname: os.hostname() }),
    timeoutMs: 30_000,
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`enrollment refused (${res.status}): ${text.slice(0, 300)}`);
  const body = EnrollResponse.parse(JSON.parse(text));
  const creds: Credentials = {
    device_id: body.device_id, device_secret: body.device_secret, target_name: body.target_name, hub_url: base,
    mqtt_url: body.mqtt.url, ws_url: body.mqtt.ws_url, enrolled_at: new Date().toISOString(),
    ...(body.deploy_public_key ? { hub_public_key: body.deploy_public_key } : {}),
  };
  writeCredentials(paths.credentials, creds);
  return creds;
}
