import { verify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PromoteCommand, PromoteOrder, parseMessage } from '@prometheus/protocol';
import type { AgentContext } from '../agent.js';
import type { InferenceRuntime } from '../runtime/inference-runtime.js';
import { hasModel, healthCheck, loadModel, readManifest } from '../runtime/model.js';
import { installedRoles, setShadow, switchCurrent } from './install.js';
import type { Outcome } from './transfer-store.js';

// Promotion: a signed order (the hub's ed25519 key pinned at enrollment) to make an installed deployment live:
// the shadow running beside the live model, or the previous model (a rollback after a promotion). The switch
// is the same atomic `current` symlink as an install; the replaced live model stays installed as `previous`.
// Orders carry the hub's issue time: one not newer than the last applied is a replay and changes nothing.
const LAST_ORDER_FILE = 'last-promote.json';

export function verifySigned(key: string, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export function createPromoter(ctx: AgentContext, runtime: InferenceRuntime, finish: (outcome: Outcome) => void) {
  const { paths, log } = ctx;
  const lastFile = path.join(paths.deployments, LAST_ORDER_FILE);
  const lastIssued = (): number => {
    try {
      return (JSON.parse(fs.readFileSync(lastFile, 'utf8')) as { issued_at: number }).issued_at;
    } catch {
      return 0;
    }
  };

  /** Makes `id` live; throws why it cannot. */
  async function makeLive(id: string): Promise<void> {
    const roles = installedRoles(paths.models);
    if (roles.current === id) return;
    if (roles.shadow === id && runtime.shadow()?.deployment_id === id) {
      switchCurrent(paths.models, id);
      setShadow(paths.models, null);
      await runtime.promoteShadow();
      return;
    }
    if (roles.previous !== id) throw new Error(`${id} is not installed here as the shadow or the previous model`);
    const dir = path.join(paths.models, id);
    if (!hasModel(await readManifest(dir))) throw new Error(`${id} is a rules-only deployment; deploy it again instead`);
    const loaded = await loadModel(dir, ctx.config.inference.runtime);
    try {
      await healthCheck(loaded);
    } catch (err) {
      await loaded.model.close();
      throw err;
    }
    switchCurrent(paths.models, id);
    await runtime.activate(loaded);
  }

  return async function onPromote(payload: Buffer): Promise<void> {
    const cmd = parseMessage(PromoteCommand, payload);
    const key = ctx.credentials.hub_public_key;
    if (!cmd || !key || !verifySigned(key, cmd.order, cmd.signature)) return log.warn('promotion order refused: malformed or not signed by the pinned hub key');
    const order = PromoteOrder.safeParse(JSON.parse(cmd.order));
    if (!order.success || order.data.target_id !== ctx.credentials.device_id) return log.warn('promotion order refused: invalid or for another target');
    const { deployment_id: id, issued_at: issued } = order.data;
    if (issued <= lastIssued()) {
      // A replay (or the hub resending an order it has no answer to): say where things stand.
      if (runtime.running()?.deployment_id === id) finish({ deployment_id: id, state: 'deployed' });
      return;
    }
    try {
      await makeLive(id);
    } catch (err) {
      const live = runtime.running();
      fs.writeFileSync(lastFile, JSON.stringify({ issued_at: issued }));
      return finish({ deployment_id: id, state: 'failed', reason: `promotion refused: ${err instanceof Error ? err.message : String(err)}; kept ${live?.deployment_id ?? 'no model'} live` });
    }
    fs.writeFileSync(lastFile, JSON.stringify({ issued_at: issued }));
    log.info('promoted: live now', { deployment: id });
    finish({ deployment_id: id, state: 'deployed' });
  };
}
