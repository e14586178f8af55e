import { createHash, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentUpdateManifest, type DeploymentDetail, type EnrollResponse } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { enrollTarget, scriptedDevice, type ScriptedDevice } from '../../test/deployment-agent.js';

// The hub's side of an agent update (`kind: "agent"`): the releases in the build dir (several versions of one
// arch), the request's validation, the signed manifest and the executable's bytes over the deploy link to a
// scripted device, and the outcomes the agent reports (deployed: the target's agent version; rolled back: why).
let t: TestHub;
let admin: string;
let mqttUrl: string;
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-agent-releases-'));
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
// 70 KB: several chunks at the test's 16 KB.
const NEXT = Buffer.concat([Buffer.from('ELF x86-64 agent 0.2.0 '), Buffer.alloc(70_000, 7)]);

function writeBuild(name: string, arch: string, version: string, exe: Buffer | string): void {
  const addon = `better_sqlite3-linux-${arch}.node`;
  fs.writeFileSync(path.join(buildDir, name), exe);
  fs.writeFileSync(path.join(buildDir, addon), `addon ${arch}`);
  fs.writeFileSync(path.join(buildDir, `${name}.manifest.json`), JSON.stringify({
    arch, executable: name, version, node: '20.11.0', files: { [name]: sha(exe), [addon]: sha(`addon ${arch}`) },
  }));
}

beforeAll(async () => {
  t = await createTestHub({ EDGE_BUILD_DIR: buildDir, DEPLOY_CHUNK_BYTES: String(16 * 1024), DEPLOY_WINDOW_CHUNKS: '2' });
  await t.hub.start();
  mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
  admin = await t.adminToken();
  writeBuild('prometheus-edge-linux-x64', 'x64', '0.1.0', 'ELF x86-64 agent 0.1.0');
  writeBuild('prometheus-edge-linux-x64-0.2.0', 'x64', '0.2.0', NEXT);
  writeBuild('prometheus-edge-linux-armv7', 'armv7', '0.1.0', 'ELF arm agent 0.1.0');
});
afterAll(async () => {
  await t.close();
  fs.rmSync(buildDir, { recursive: true, force: true });
});

const post = (body: unknown, token = admin) => t.request('POST', '/api/v1/deployments', { token, json: body });
const detail = async (id: string) => (await (await t.request('GET', `/api/v1/deployments/${id}`, { token: admin })).json()) as DeploymentDetail & { kind: string; agent_version: string | null };

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Takes the executable the way the agent does: confirms every window until it holds all the bytes. */
async function receiveAll(device: ScriptedDevice, id: string, size: number): Promise<Buffer> {
  await device.report({ deployment_id: id, state: 'receiving', next_offset: 0, resume: true });
  let held = 0;
  while (held < size) {
    await waitFor('more bytes', async () => (device.received(id).length > held ? true : undefined));
    held = device.received(id).length;
    await device.report({ deployment_id: id, state: 'receiving', next_offset: held });
  }
  return device.received(id);
}

async function enrolledDevice(name: string, arch: string): Promise<{ id: string; device: ScriptedDevice; enrolled: EnrollResponse }> {
  const enrolled = await enrollTarget(t, admin, { name, arch });
  const device = scriptedDevice(mqttUrl, enrolled);
  await device.connect();
  return { id: enrolled.id, device, enrolled };
}

describe('agent releases and updates', () => {
  it('lists every build in the build dir, the canonical one of each arch first', async () => {
    const res = await t.request('GET', '/api/v1/edge/releases', { token: admin });
    expect(await res.json()).toEqual([
      { arch: 'armv7', version: '0.1.0', sha256: sha('ELF arm agent 0.1.0'), size_bytes: 19 },
      { arch: 'x64', version: '0.1.0', sha256: sha('ELF x86-64 agent 0.1.0'), size_bytes: 22 },
      { arch: 'x64', version: '0.2.0', sha256: sha(NEXT), size_bytes: NEXT.length },
    ]);
  });

  it('refuses what cannot be an agent update, with the reason', async () => {
    const { id } = await enrolledDevice('Refusals', 'x64');
    const mips = await enrollTarget(t, admin, { name: 'MIPS box', arch: 'mips' });
    const cases: [unknown, number, string][] = [
      [{ kind: 'agent', target_id: id }, 400, 'agent_version'],
      [{ kind: 'agent', agent_version: '0.2.0', model_id: 'mdl_x', target_id: id }, 400, 'kind'],
      [{ agent_version: '0.2.0', target_id: id }, 400, 'agent_version'],
      [{ kind: 'agent', agent_version: '../../etc', target_id: id }, 400, 'agent_version'],
      [{ kind: 'agent', agent_version: '9.9.9', target_id: id }, 404, 'x64 versions built: 0.1.0, 0.2.0'],
      [{ kind: 'agent', agent_version: '0.2.0', target_id: mips.id }, 409, 'mips'],
      [{ kind: 'agent', agent_version: '0.2.0', target_ip: '10.9.9.9' }, 404, 'enrolled target'],
    ];
    for (const [body, status, says] of cases) {
      const res = await post(body);
      const text = await res.text();
      expect({ status: res.status, body }).toEqual({ status, body });
      expect(text).toContain(says);
    }
    const viewer = await t.userWithRole('viewer');
    expect((await post({ kind: 'agent', agent_version: '0.2.0', target_id: id }, viewer.token)).status).toBe(403);
  });

  it('sends the signed manifest and the executable; deployed sets the target\'s agent version', async () => {
    const { id: targetId, device, enrolled } = await enrolledDevice('Update me', 'x64');
    const created = await post({ kind: 'agent', agent_version: '0.2.0', target_id: targetId });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const cmd = await waitFor('manifest', async () => device.commands.find((c) => c.deployment_id === id)).catch(async (e) => { throw new Error(`${String(e)} ${JSON.stringify(await detail(id))}`); });
    expect(verify(null, Buffer.from(cmd.manifest), enrolled.deploy_public_key ?? '', Buffer.from(cmd.signature, 'base64'))).toBe(true);
    const manifest = AgentUpdateManifest.parse(JSON.parse(cmd.manifest));
    expect(manifest).toMatchObject({
      format: 'prometheus-agent/1', deployment_id: id, target_id: targetId, agent: { version: '0.2.0', arch: 'x64', node: '20.11.0' },
      package: { file: 'prometheus-edge', size: NEXT.length, sha256: sha(NEXT) }, addon: { file: 'better_sqlite3-linux-x64.node', sha256: sha('addon x64') },
    });
    expect(sha(await receiveAll(device, id, NEXT.length))).toBe(sha(NEXT));
    await device.report({ deployment_id: id, state: 'health_check' });
    await waitFor('trial detail', async () => ((await detail(id)).status_detail?.includes('trying the new agent') ? true : undefined));
    await device.report({ deployment_id: id, state: 'deployed' });
    const done = await waitFor('deployed', async () => { const d = await detail(id); return d.status === 'deployed' ? d : undefined; });
    expect(done).toMatchObject({ kind: 'agent', agent_version: '0.2.0', model_id: null, error: null });
    expect(done.steps.map((s) => s.status)).toEqual(['compiling', 'packaging', 'transferring', 'deployed']);
    const target = (await (await t.request('GET', `/api/v1/deployments/targets/${targetId}`, { token: admin })).json()) as { agent_version: string; current_model: string | null };
    expect(target.agent_version).toBe('0.2.0');
    // Agent updates are fleet upkeep: they do not count against max_deployments (free tier: one).
    expect(await t.hub.services.deployments.countActive((await t.request('GET', '/api/v1/auth/me', { token: admin }).then((r) => r.json()) as { id: string }).id)).toBe(0);
    await device.disconnect();
  });

  it('a rolled back update ends rolled_back with the agent\'s reason', async () => {
    const { id: targetId, device } = await enrolledDevice('Roll me back', 'x64');
    const { id } = (await (await post({ kind: 'agent', agent_version: '0.2.0', target_id: targetId })).json()) as { id: string };
    await waitFor('manifest', async () => device.commands.find((c) => c.deployment_id === id));
    await receiveAll(device, id, NEXT.length);
    await device.report({ deployment_id: id, state: 'rolled_back', reason: 'agent 0.2.0 exited with code 3 before reporting healthy; kept 0.1.0' });
    const done = await waitFor('rolled back', async () => { const d = await detail(id); return d.status === 'rolled_back' ? d : undefined; });
    expect(done.error).toContain('exited with code 3');
    await device.disconnect();
  });
});
