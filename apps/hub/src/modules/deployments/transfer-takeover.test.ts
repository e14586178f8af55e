import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDeployChunk, type DeployCommand } from '@prometheus/protocol';
import type { Leadership } from '../../cluster/cluster.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { enrollTarget } from '../../test/deployment-agent.js';
import { writePackage, sha256Hex } from './package-files.js';
import { createOrchestrator, type Orchestrator } from './orchestrator.js';
import { createDeploymentsRepo } from './repo.js';
import type { TransferLink } from './transfer.js';

// Two replicas' orchestrators on one store and one package volume, each with its own link to the agent (a fake
// that records what it would publish). A transfer lives in the memory of the replica that opened it: when that
// replica (not the leader) dies, the leader sends the stored package's manifest again and goes on from the offset
// the agent holds; while it is alive, the leader leaves its transfer alone; once it was taken over, the dead-seeming
// replica drops its copy instead of sending alongside.
const log = pino({ level: 'silent' });
const ID = 'dep_takeover01';

function fakeLink(): TransferLink & { manifests(): DeployCommand[]; chunkOffsets(): number[] } {
  const sent: { leaf: string; payload: unknown }[] = [];
  return {
    isOnline: () => true,
    async publishToDevice(_device, leaf, payload) {
      sent.push({ leaf, payload });
    },
    manifests: () => sent.filter((s) => s.leaf === 'deploy').map((s) => s.payload as DeployCommand).filter((c) => c.deployment_id === ID),
    chunkOffsets: () => sent.filter((s) => s.leaf === 'deploy/chunk').map((s) => decodeDeployChunk(s.payload as Buffer)!.header.offset),
  };
}

function fakeLeadership(leader: boolean): Leadership & { set(leader: boolean): void } {
  return { isLeader: () => leader, onChange: () => () => undefined, set: (next) => void (leader = next) };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a transfer whose replica died', () => {
  let t: TestHub;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-takeover-'));
  const model = randomBytes(5000);
  const live = new Set(['a', 'b']);
  const links = { a: fakeLink(), b: fakeLink() };
  const leadership = { a: fakeLeadership(true), b: fakeLeadership(false) };
  const orchestrators: Orchestrator[] = [];
  let targetId: string;

  const replica = (name: 'a' | 'b') => {
    const o = createOrchestrator({
      repo: createDeploymentsRepo(t.hub.store.db), models: { getArtifacts: () => Promise.reject(new Error('no model steps here')) },
      signer: { publicKeyPem: '', sign: () => 'sig', verify: () => true }, root, edgeBuildDir: root,
      link: links[name], transfer: { chunkBytes: 1024, windowChunks: 2, stepTimeoutMs: 60_000, maxResends: 2 },
      events: t.hub.services.events, recordCurrentModel: async () => undefined, offlineWaitMs: 3_600_000, clock: t.hub.clock, log,
      leadership: leadership[name], replicas: { self: name, live: () => [...live] },
    });
    orchestrators.push(o);
    return o;
  };
  const report = (o: Orchestrator, r: Record<string, unknown>) =>
    o.onTransferStatus(targetId, Buffer.from(JSON.stringify({ v: 1, current: null, at: Date.now(), ...r })));
  const holder = async () => (await createDeploymentsRepo(t.hub.store.db).findById(ID))?.transferReplica;

  beforeAll(async () => {
    t = await createTestHub();
    const admin = await t.adminToken();
    targetId = (await enrollTarget(t, admin, { name: 'Takeover box', arch: 'x64' })).id;
    const now = t.hub.clock.now();
    await writePackage(root, ID, { model, manifest: JSON.stringify({ deployment_id: ID, size: model.length }), signature: 'sig' });
    await createDeploymentsRepo(t.hub.store.db).insert({
      id: ID, ownerId: (await t.hub.services.usersRepo.findByUsername('admin'))!.id, deployedBy: 'admin', modelId: 'mdl_x', targetId,
      targetName: 'Takeover box', modelVersion: '1', status: 'transferring', steps: [{ status: 'transferring', at: now.getTime(), detail: null }],
      packageSha256: sha256Hex(model), packageSize: model.length, createdAt: now, updatedAt: now,
    });
  });
  afterAll(async () => {
    for (const o of orchestrators) await o.component.stop();
    await t.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('is taken over by the leader, which resumes from the agent\'s offset; not while its replica lives', async () => {
    // Replica A opens the transfer (it led then) and the agent takes the first 2 kB from it.
    const a = replica('a');
    await a.component.start();
    expect(await holder()).toBe('a');
    expect(links.a.manifests()).toHaveLength(1);
    await report(a, { deployment_id: ID, state: 'receiving', next_offset: 0, resume: true });
    await until('chunks from A', () => (links.a.chunkOffsets().length >= 2 ? true : undefined));

    // B leads now; A, no longer the leader, still sends its transfer: B leaves it alone (start-up and ticks).
    leadership.a.set(false);
    leadership.b.set(true);
    const b = replica('b');
    await b.component.start();
    await new Promise((r) => setTimeout(r, 2500));
    expect(links.b.manifests()).toHaveLength(0);
    expect(await holder()).toBe('a');

    // A dies (no longer heard from): within a tick B sends the stored manifest again, and the transfer is B's.
    live.delete('a');
    const resent = await until('the manifest from B', () => links.b.manifests()[0], 5000);
    expect(resent).toEqual(links.a.manifests()[0]);
    expect(await holder()).toBe('b');
    // The agent answers with the offset it holds; B goes on from there.
    await report(b, { deployment_id: ID, state: 'receiving', next_offset: 2048, resume: true });
    const offsets = await until('chunks from B', () => (links.b.chunkOffsets().length >= 2 ? links.b.chunkOffsets() : undefined));
    expect(offsets.slice(0, 2)).toEqual([2048, 3072]);

    // A was only slow, not dead: that report reaches it too, and it drops its copy (no manifests alongside B's).
    const fromA = links.a.manifests().length;
    await report(a, { deployment_id: ID, state: 'receiving', next_offset: 2048, resume: true });
    await report(a, { deployment_id: null, state: 'idle', resume: true });
    expect(links.a.manifests()).toHaveLength(fromA);
    expect(links.a.chunkOffsets().filter((o) => o >= 2048)).toEqual([]);
  });
});
