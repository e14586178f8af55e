import { createHash } from 'node:crypto';
import {
  AgentUpdateManifest, DeployCommand, DeployManifest, decodeDeployChunk, parseMessage, type AgentDeployState, type DeployStatusReport,
} from '@prometheus/protocol';
import type { AgentComponent, AgentContext } from '../agent.js';
import { hasModel, healthCheck, loadModel, readManifest, type LoadedModel, type ModelManifest } from '../runtime/model.js';
import type { InferenceRuntime } from '../runtime/inference-runtime.js';
import { ruleConfig } from '../runtime/rules.js';
import { AGENT_VERSION } from '../version.js';
import { refuseAgentUpdate, stageAgentUpdate } from './agent-update.js';
import { installModel, recoverModels, removeModel, setShadow, switchCurrent } from './install.js';
import { createPromoter, verifySigned } from './promote.js';
import { TransferStore, type Outcome } from './transfer-store.js';

// The package receiver: a signed manifest on `deploy`, chunks on `deploy/chunk`, progress and outcome on
// `deploy/status`. Checks, in order: the manifest's ed25519 signature against the key pinned at enrollment,
// each chunk's sha256, the package's size and sha256 against the signed manifest; then an atomic install,
// the health inference and the switch. Any failure keeps (or restores) the previous model and says why.
// All work runs one step at a time, in arrival order.

interface Adopted {
  id: string;
  manifest: DeployManifest;
  text: string;
}
/** An agent update (README "Self-update"): the executable is the package. */
interface AgentAdopted {
  id: string;
  agent: AgentUpdateManifest;
  text: string;
}
interface ModelTransfer extends Adopted {
  manifest: ModelManifest;
}
type Transfer = ModelTransfer | AgentAdopted;
const isTransfer = (a: Adopted | AgentAdopted): a is Transfer => 'agent' in a || hasModel(a.manifest);
const packageOf = (t: Transfer) => ('agent' in t ? t.agent.package : t.manifest.package);

/** A promotion order (addition) rather than a manifest: both arrive on `deploy`. */
function isPromotion(payload: Buffer): boolean {
  try {
    return (JSON.parse(payload.toString('utf8')) as { kind?: unknown }).kind === 'promote';
  } catch {
    return false;
  }
}

type Extra = Partial<Omit<DeployStatusReport, 'v' | 'state' | 'current' | 'at'>>;

export function createDeployer(ctx: AgentContext, runtime: InferenceRuntime): AgentComponent {
  const { link, log, paths } = ctx;
  let store: TransferStore | undefined;
  let transfer: Transfer | undefined;
  let chain: Promise<void> = Promise.resolve();

  const enqueue = (what: string, fn: () => Promise<void> | void) => {
    chain = chain.then(fn).catch((err: unknown) => log.error(`deploy: ${what} failed`, { err }));
  };

  function report(state: AgentDeployState, extra: Extra = {}): void {
    const body: DeployStatusReport = {
      v: 1, deployment_id: extra.deployment_id ?? transfer?.id ?? null, state, current: runtime.running(), shadow: runtime.shadow(), at: Date.now(), ...extra,
    };
    if (link.connected) void link.publish('deploy/status', JSON.stringify(body), { qos: 1 }).catch(() => undefined);
  }

  function finish(outcome: Outcome): void {
    store?.setLastOutcome(outcome);
    if (transfer?.id === outcome.deployment_id) transfer = undefined;
    const running = runtime.running();
    ctx.status.set({ current_model: running?.model_id ?? null, current_model_version: running?.model_version ?? null });
    ctx.status.changed();
    report(outcome.state, { deployment_id: outcome.deployment_id, reason: outcome.reason, health: outcome.health });
    (outcome.state === 'deployed' ? log.info : log.warn)(`deployment ${outcome.state}`, { ...outcome });
  }

  function reject(id: string, reason: string, kept = keptModel()): void {
    store?.discard(id);
    finish({ deployment_id: id, state: 'failed', reason: `${reason}; ${kept}` });
  }
  const keptAgent = () => `kept agent ${AGENT_VERSION}`;

  const keptModel = () => {
    const r = runtime.running();
    return r ? `kept ${r.model_id} (${r.deployment_id})` : 'no previous model to keep';
  };

  /** A signed manifest: verified, then the transfer starts (or continues from what is on disk). */
  function adoptAgent(id: string, json: unknown, text: string): AgentAdopted | undefined {
    const parsed = AgentUpdateManifest.safeParse(json);
    if (!parsed.success) return void reject(id, `agent manifest invalid: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`, keptAgent());
    if (parsed.data.deployment_id !== id || parsed.data.target_id !== ctx.credentials.device_id) return void reject(id, 'manifest is for another deployment or target', keptAgent());
    const refused = refuseAgentUpdate(parsed.data);
    if (refused) return void reject(id, refused, keptAgent());
    return { id, agent: parsed.data, text };
  }

  function adopt(id: string, text: string, signature: string): Adopted | AgentAdopted | undefined {
    const key = ctx.credentials.hub_public_key;
    if (!key) return void reject(id, 'no hub key pinned: this agent was enrolled before deployments existed; enroll it again');
    if (!verifySigned(key, text, signature)) return void reject(id, 'manifest signature does not verify against the hub key pinned at enrollment');
    const json = JSON.parse(text) as { format?: unknown };
    if (json.format === 'prometheus-agent/1') return adoptAgent(id, json, text);
    const parsed = DeployManifest.safeParse(json);
    if (!parsed.success) return void reject(id, `manifest invalid: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    if (parsed.data.deployment_id !== id || parsed.data.target_id !== ctx.credentials.device_id) return void reject(id, 'manifest is for another deployment or target');
    return { id, manifest: parsed.data, text };
  }

  async function onManifest(payload: Buffer): Promise<void> {
    const cmd = parseMessage(DeployCommand, payload);
    if (!cmd || !store) return log.warn('malformed deploy command ignored');
    const id = cmd.deployment_id;
    // A trial run of a new version only proves it runs: deployments wait for the process that stays.
    if (ctx.update.trial) return report('health_check', { deployment_id: ctx.update.trial });
    const last = store.lastOutcome();
    if (last?.deployment_id === id) return report(last.state, { deployment_id: id, reason: last.reason, health: last.health, resume: true });
    if (runtime.running()?.deployment_id === id || runtime.shadow()?.deployment_id === id) return report('deployed', { deployment_id: id, resume: true });
    const adopted = adopt(id, cmd.manifest, cmd.signature);
    if (!adopted) return;
    if (!isTransfer(adopted)) return installRulesOnly(adopted);
    const t = adopted;
    if ('agent' in t && t.agent.agent.version === AGENT_VERSION) return finish({ deployment_id: id, state: 'deployed', reason: `already running ${AGENT_VERSION}` });
    transfer = t;
    const held = store.begin(id, cmd.manifest, cmd.signature);
    if (held > packageOf(t).size) return reject(id, 'more bytes on disk than the package holds');
    if (held === packageOf(t).size) return finalize(t);
    report('receiving', { next_offset: held, resume: true });
  }

  async function onChunk(payload: Buffer): Promise<void> {
    const c = decodeDeployChunk(payload);
    const t = transfer;
    if (!c || !store) return log.warn('malformed deploy chunk ignored');
    if (!t || c.header.deployment_id !== t.id || ctx.update.trial) return; // an older transfer's chunk still in flight
    const { header, data } = c;
    if (createHash('sha256').update(data).digest('hex') !== header.sha256) return reject(t.id, `chunk at offset ${header.offset} is corrupted (sha256 mismatch)`);
    const held = store.size(t.id);
    if (header.offset < held) return; // a resend of bytes already held
    if (header.offset > held) return report('receiving', { next_offset: held, resume: true });
    const size = packageOf(t).size;
    if (held + data.length > size) return reject(t.id, `the hub sent more than the manifest's ${size} bytes`);
    const now = store.append(t.id, data);
    if (now === size) return finalize(t);
    if (header.last) return reject(t.id, `transfer truncated: the hub ended the package at ${now} of ${size} bytes`);
    report('receiving', { next_offset: now });
  }

  async function finalize(t: Transfer): Promise<void> {
    if (!store) return;
    report('verifying', { deployment_id: t.id });
    const sha = store.sha256(t.id);
    const want = packageOf(t).sha256;
    if (sha !== want) return reject(t.id, `package sha256 ${sha.slice(0, 16)}… does not match the signed manifest's ${want.slice(0, 16)}…`, 'agent' in t ? keptAgent() : keptModel());
    report('installing', { deployment_id: t.id });
    if ('agent' in t) return handOverTo(t);
    const dir = installModel(paths.models, t.id, store.packagePath(t.id), t.text);
    report('health_check', { deployment_id: t.id });
    let loaded: LoadedModel | undefined;
    let health: { score: number; runtime: string };
    const opening = Date.now();
    try {
      if (t.manifest.rules) ruleConfig(t.manifest.rules); // a rules section the rules package refuses is rolled back like a bad model
      loaded = await loadModel(dir, ctx.config.inference.runtime);
      health = await healthCheck(loaded);
      log.info('health inference passed', { deployment: t.id, runtime: health.runtime, ms: Date.now() - opening });
    } catch (err) {
      await loaded?.model.close();
      removeModel(paths.models, t.id);
      store.discard(t.id);
      return finish({ deployment_id: t.id, state: 'rolled_back', reason: `${err instanceof Error ? err.message : String(err)}; ${keptModel()}` });
    }
    if (t.manifest.mode === 'shadow') {
      // Beside the live model, never instead of it: `current` stays, the shadow gets its own link.
      const refusal = shadowRefusal(t.manifest);
      if (refusal) {
        await loaded.model.close();
        removeModel(paths.models, t.id);
        store.discard(t.id);
        return finish({ deployment_id: t.id, state: 'rolled_back', reason: `${refusal}; ${keptModel()}` });
      }
      setShadow(paths.models, t.id);
      await runtime.activateShadow(loaded);
    } else {
      switchCurrent(paths.models, t.id);
      await runtime.activate(loaded);
    }
    store.discard(t.id);
    finish({ deployment_id: t.id, state: 'deployed', health: { ...health, expected: t.manifest.health.expected_score } });
  }

  /** Why a shadow cannot run here: it needs a live model reading the same windows. */
  function shadowRefusal(m: ModelManifest): string | undefined {
    const live = runtime.liveManifest();
    if (!live) return 'a shadow runs beside a live model and none runs here';
    const same = live.model.sequence_length === m.model.sequence_length && live.model.feature_columns.join('\u0000') === m.model.feature_columns.join('\u0000');
    return same ? undefined : 'the shadow reads other windows than the live model (feature columns or sequence length differ)';
  }

  /** A verified agent executable: written beside the running one, then the process hands over to main (a trial run). */
  async function handOverTo(t: AgentAdopted): Promise<void> {
    if (!store) return;
    let next: string;
    try {
      next = await stageAgentUpdate(t.agent, store.packagePath(t.id));
    } catch (err) {
      return reject(t.id, err instanceof Error ? err.message : String(err), keptAgent());
    }
    store.discard(t.id);
    transfer = undefined;
    report('health_check', { deployment_id: t.id });
    log.info('agent update verified and staged; trying it', { deployment: t.id, version: t.agent.agent.version, next });
    // Outside this queue: stopping the agent waits for the queue to drain.
    setImmediate(() => ctx.update.request({ deploymentId: t.id, version: t.agent.agent.version, next }));
  }

  /** A rules-only deployment: nothing to transfer; the manifest is installed and its rules checked and run. */
  async function installRulesOnly(a: Adopted): Promise<void> {
    transfer = undefined;
    report('installing', { deployment_id: a.id });
    const dir = installModel(paths.models, a.id, null, a.text);
    report('health_check', { deployment_id: a.id });
    try {
      ruleConfig(a.manifest.rules as NonNullable<DeployManifest['rules']>); // the manifest's refinement guarantees a rules section
    } catch (err) {
      removeModel(paths.models, a.id);
      return finish({ deployment_id: a.id, state: 'rolled_back', reason: `${err instanceof Error ? err.message : String(err)}; ${keptModel()}` });
    }
    switchCurrent(paths.models, a.id);
    await runtime.activateRulesOnly(a.manifest);
    log.info('rules-only deployment installed', { deployment: a.id, dir });
    finish({ deployment_id: a.id, state: 'deployed' });
  }

  /** Start-up: the model that was current (or the previous one, if it is damaged), and a transfer to continue. */
  async function restore(): Promise<void> {
    if (!store) return;
    const { current, restored, shadow } = recoverModels(paths.models);
    if (restored) store.setLastOutcome({ deployment_id: restored, state: 'rolled_back', reason: 'the installed model was damaged; the previous one was restored' });
    if (current) {
      const manifest = await readManifest(current);
      if (hasModel(manifest)) await runtime.activate(await loadModel(current, ctx.config.inference.runtime));
      else await runtime.activateRulesOnly(manifest);
      const r = runtime.running();
      ctx.status.set({ current_model: r?.model_id ?? null, current_model_version: r?.model_version ?? null });
    }
    if (shadow && runtime.liveManifest()) {
      try {
        await runtime.activateShadow(await loadModel(shadow, ctx.config.inference.runtime));
      } catch (err) {
        log.warn('the shadow model could not be reopened; it no longer runs', { err });
        setShadow(paths.models, null);
      }
    }
    const pending = ctx.update.trial ? undefined : store.pending();
    const adopted = pending ? adopt(pending.id, pending.manifest, pending.signature) : undefined;
    if (adopted && isTransfer(adopted)) transfer = adopted;
  }

  /** On every connect: where this agent stands, so the hub resumes or learns an outcome it missed. */
  function sync(): void {
    if (ctx.update.trial) return report('health_check', { deployment_id: ctx.update.trial });
    if (transfer && store) return report('receiving', { deployment_id: transfer.id, next_offset: store.size(transfer.id), resume: true });
    const last = store?.lastOutcome();
    if (last) return report(last.state, { deployment_id: last.deployment_id, reason: last.reason, health: last.health, resume: true });
    report('idle', { deployment_id: null, resume: true });
  }

  return {
    name: 'deploy',
    start(): void {
      store = new TransferStore(paths.deployments);
      const promote = createPromoter(ctx, runtime, finish);
      // `deploy` carries manifests and (addition) promotion orders.
      ctx.router.on('deploy', (payload) => enqueue('manifest', () => (isPromotion(payload) ? promote(payload) : onManifest(payload))));
      ctx.router.on('deploy/chunk', (payload) => enqueue('chunk', () => onChunk(payload)));
      ctx.onLinkUp(() => enqueue('sync', sync));
      // In the background: opening a model takes ~30 s in onnxruntime-web under emulation; telemetry need not wait.
      enqueue('restore', restore);
    },
    async stop(): Promise<void> {
      await chain;
    },
  };
}
