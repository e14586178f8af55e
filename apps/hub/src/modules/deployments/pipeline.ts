import type { AgentUpdateManifest } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { isoTime } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { ModelsService } from '../models/models-service.js';
import { normalizeArch } from './arch.js';
import { agentRelease, assertExecutableArch } from './binary.js';
import { writeAgentPackage, writePackage } from './package-files.js';
import type { DeploymentPatch, DeploymentRow, DeploymentState, DeploymentsRepo } from './repo.js';
import type { DeploySigner } from './signing.js';
import { runHubSteps } from './steps-client.js';
import { alertPolicy, buildManifest, buildRulesManifest } from './steps.js';

// The hub's steps of one deployment, each persisted before the next starts: compiling -> quantizing ->
// packaging -> transferring. Every transition is guarded by the state it leaves, so a deployment that was
// superseded or failed meanwhile is never moved on by a step still running.

export interface PipelineDeps {
  repo: DeploymentsRepo;
  models: Pick<ModelsService, 'getArtifacts'>;
  signer: DeploySigner;
  clock: Clock;
  log: Logger;
  /** `<data dir>/deployments`. */
  root: string;
  /** Where the edge builds are (EDGE_BUILD_DIR): the releases an agent update sends. */
  edgeBuildDir: string;
}

/** The next state of a row with a step record appended; undefined when the row left `row.status` meanwhile. */
export async function advance(repo: DeploymentsRepo, row: DeploymentRow, status: DeploymentState, detail: string | null,
  now: Date, patch: DeploymentPatch = {}): Promise<DeploymentRow | undefined> {
  return repo.transition(row.id, [row.status], {
    ...patch, status, statusDetail: patch.statusDetail === undefined ? detail : patch.statusDetail,
    steps: [...row.steps, { status, at: now.getTime(), detail }], updatedAt: now,
  });
}

const ms = (x: number) => `${Math.round(x)} ms`;
const fmt = (x: number) => Number(x.toPrecision(4)).toString();

/** Runs the hub-side steps; resolves with the row in `transferring`, or undefined when it stopped (failed or superseded). */
export async function runPipeline(deps: PipelineDeps, start: DeploymentRow): Promise<DeploymentRow | undefined> {
  if (start.kind === 'agent') return packageAgent(deps, start);
  if (start.modelId === null) return packageRulesOnly(deps, start);
  const { repo, clock } = deps;
  const arch = normalizeArch(start.targetArch);
  let row: DeploymentRow | undefined = start;
  const artifacts = await deps.models.getArtifacts(start.modelId);
  const steps = runHubSteps({ axonmlFile: artifacts.axonml, metadata: artifacts.metadata, arch });
  const compiled = await steps.compiled;
  row = await advance(repo, row, 'quantizing',
    `ONNX exported from the float weights and run in ${compiled.runtime}${arch ? ` (target ${arch})` : ' (target architecture not known yet)'} in ${ms(compiled.ms)}; health score ${fmt(compiled.floatScore)}`,
    clock.now());
  if (!row) return undefined;

  const q = await steps.quantized;
  row = await advance(repo, row, 'packaging',
    `int8 weights: ${q.onnx.byteLength} bytes (float ${compiled.floatBytes}); health score ${fmt(q.score)}, ${fmt(q.delta)} from float; ${ms(q.ms)}`,
    clock.now());
  if (!row) return undefined;

  const manifest = buildManifest({
    deploymentId: row.id, targetId: row.targetId, modelId: start.modelId, modelVersion: row.modelVersion, createdAt: isoTime(clock.now()),
    metadata: artifacts.metadata, model: q.onnx, quantized: true, healthScore: q.score, alerts: row.alertPolicy ?? alertPolicy(artifacts.metadata.threshold),
    rules: row.rules, mode: row.mode,
  });
  const pkg = manifest.package as NonNullable<typeof manifest.package>;
  const manifestJson = JSON.stringify(manifest);
  const signature = deps.signer.sign(Buffer.from(manifestJson, 'utf8'));
  await writePackage(deps.root, row.id, { model: Buffer.from(q.onnx), manifest: manifestJson, signature });
  return advance(repo, row, 'transferring', `package ${pkg.size} bytes, sha256 ${pkg.sha256.slice(0, 16)}…, signed (ed25519)${rulesNote(row)}`,
    clock.now(), { packageSha256: pkg.sha256, packageSize: pkg.size, quantized: true, healthExpected: q.score });
}

const rulesNote = (row: DeploymentRow) => (row.rules ? `; Guideline 36 rules on ${row.rules.points.length} mapped points` : '');

/** A rules-only deployment: nothing to compile or quantize; the signed manifest is the whole package. */
async function packageRulesOnly(deps: PipelineDeps, start: DeploymentRow): Promise<DeploymentRow | undefined> {
  const { repo, clock } = deps;
  if (!start.rules) throw new Error('a deployment without a model must carry rules');
  const row = await advance(repo, start, 'packaging', 'rules only: no model to compile or quantize', clock.now());
  if (!row) return undefined;
  const manifest = buildRulesManifest({ deploymentId: row.id, targetId: row.targetId, modelVersion: row.modelVersion, createdAt: isoTime(clock.now()), rules: start.rules });
  const manifestJson = JSON.stringify(manifest);
  const signature = deps.signer.sign(Buffer.from(manifestJson, 'utf8'));
  await writePackage(deps.root, row.id, { model: Buffer.alloc(0), manifest: manifestJson, signature });
  return advance(repo, row, 'transferring', `manifest only (no model), signed (ed25519)${rulesNote(row)}`, clock.now(), { packageSize: 0, quantized: false });
}

/** An agent update: the release of the row's version for the target's arch, signed; nothing to compile. */
async function packageAgent(deps: PipelineDeps, start: DeploymentRow): Promise<DeploymentRow | undefined> {
  const { repo, clock } = deps;
  const arch = normalizeArch(start.targetArch);
  assertExecutableArch(arch, start.targetArch);
  const release = agentRelease(deps.edgeBuildDir, arch, start.agentVersion ?? '');
  if (!release.addon) throw new Error(`the ${arch} build of ${release.version} names no better-sqlite3 addon in its manifest`);
  const row = await advance(repo, start, 'packaging', `agent ${release.version} for ${arch}: nothing to compile`, clock.now());
  if (!row) return undefined;
  const manifest: AgentUpdateManifest = {
    format: 'prometheus-agent/1', deployment_id: row.id, target_id: row.targetId, created_at: isoTime(clock.now()),
    agent: { version: release.version, arch, node: release.node }, package: { file: 'prometheus-edge', size: release.size_bytes, sha256: release.sha256 },
    addon: release.addon,
  };
  const manifestJson = JSON.stringify(manifest);
  const signature = deps.signer.sign(Buffer.from(manifestJson, 'utf8'));
  await writeAgentPackage(deps.root, row.id, release.path, manifestJson, signature);
  return advance(repo, row, 'transferring', `executable ${release.size_bytes} bytes, sha256 ${release.sha256.slice(0, 16)}…, signed (ed25519)`,
    clock.now(), { packageSha256: release.sha256, packageSize: release.size_bytes, quantized: false });
}
