import type { HubEvents } from '../../events.js';

// What each hub event says on a phone. The contract lists: training queued, started (from the queue),
// complete/failed/epoch milestones, deployment ready, security alerts, account and subscription changes;
// failed deployments and edge alerts are sent too.
export interface Notification {
  title: string;
  body: string;
  data: Record<string, string | number>;
  priority?: 'default' | 'high';
}

export type PushEvent = keyof HubEvents;

/** Quarter marks of a run (25, 50, 75%); the last epoch is announced as completion instead. */
export function epochMilestone(epoch: number, total: number): number | undefined {
  if (total < 4 || epoch >= total || epoch < 1) return undefined;
  const quarter = Math.floor((epoch * 4) / total);
  return quarter > Math.floor(((epoch - 1) * 4) / total) ? quarter * 25 : undefined;
}

const TIER_NAMES: Record<string, string> = { free: 'Free', pro: 'Pro', enterprise: 'Enterprise' };

export const MESSAGES: { [K in PushEvent]: (e: HubEvents[K]) => Notification | undefined } = {
  'training.queued': (e) => ({ title: 'Training queued', body: `Run ${e.runId} is waiting for a free training slot.`, data: { type: 'training.queued', run_id: e.runId } }),
  'training.started': (e) => (e.fromQueue
    ? { title: 'Training started', body: `Run ${e.runId} left the queue and is training now.`, data: { type: 'training.started', run_id: e.runId } }
    : undefined),
  'training.epoch': (e) => {
    const mark = epochMilestone(e.epoch, e.totalEpochs);
    return mark === undefined ? undefined
      : { title: `Training ${mark}% done`, body: `Run ${e.runId}: epoch ${e.epoch} of ${e.totalEpochs}.`, data: { type: 'training.epoch', run_id: e.runId, epoch: e.epoch } };
  },
  'training.finished': (e) => {
    const data = { type: 'training.finished', run_id: e.runId, status: e.status, ...(e.modelId ? { model_id: e.modelId } : {}) };
    if (e.status === 'completed') return { title: 'Training complete', body: `Run ${e.runId} finished${e.modelId ? `; model ${e.modelId} is ready` : ''}.`, data };
    if (e.status === 'failed') return { title: 'Training failed', body: `Run ${e.runId} failed${e.reason ? `: ${e.reason}` : ''}.`, data, priority: 'high' };
    return { title: 'Training stopped', body: `Run ${e.runId} was stopped.`, data };
  },
  'deployment.ready': (e) => ({ title: 'Deployment ready', body: `The model is running on ${e.targetName}.`, data: { type: 'deployment.ready', deployment_id: e.deploymentId } }),
  'deployment.failed': (e) => ({
    title: 'Deployment failed', body: `Deploying to ${e.targetName} failed: ${e.reason}`, data: { type: 'deployment.failed', deployment_id: e.deploymentId }, priority: 'high',
  }),
  'security.alert': (e) => ({ title: 'Security alert', body: `${e.what} on your Prometheus account. If this was not you, reset your password.`, data: { type: 'security.alert' }, priority: 'high' }),
  'account.changed': (e) => ({ title: 'Account changed', body: `${e.what}.`, data: { type: 'account.changed' } }),
  'subscription.changed': (e) => ({ title: 'Subscription changed', body: `Your plan is now ${TIER_NAMES[e.tier] ?? e.tier}.`, data: { type: 'subscription.changed', tier: e.tier } }),
  'edge.alert': (e) => ({ title: `Alert from ${e.targetName}`, body: e.message, data: { type: 'edge.alert', target_id: e.targetId }, priority: 'high' }),
};
