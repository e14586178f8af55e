import { IdParam, RolloutCreateRequest, RolloutDetail, RolloutSummary } from '@prometheus/protocol';
import { z } from 'zod';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { RolloutsService } from './rollouts-service.js';

const tag = 'Rollouts';
const auth = { 401: err('Not logged in') };
const missing = err('No such rollout (or not yours)');

export function rolloutsRoutes(rollouts: RolloutsService): AnyRoute[] {
  const control = (action: 'pause' | 'resume' | 'abort', summary: string) => defineRoute({
    method: 'post', path: `/api/v1/rollouts/:id/${action}`, tag, summary, permission: 'deploy:write', params: IdParam,
    responses: { 200: { description: 'The rollout now', schema: RolloutDetail }, ...auth, 403: err('Viewer role'), 404: missing, 409: err('Not in a state this applies to') },
    handler: async (c, { params }) => c.json(await rollouts.control(params.id, currentUser(c), action), 200),
  });
  return [
    defineRoute({
      method: 'get', path: '/api/v1/rollouts', tag, summary: 'Rollouts (admins see all, others their own), newest first',
      permission: 'data:read',
      responses: { 200: { description: 'Rollouts', schema: z.array(RolloutSummary) }, ...auth },
      handler: async (c) => c.json(await rollouts.list(currentUser(c)), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/rollouts', tag,
      summary: 'Roll a model out to the targets a selector picks: a canary wave, then waves of batch_percent; halts by itself on failures or on the canaries\' alarm rate',
      description: 'Each wave waits for its targets to report `deployed` (verified, installed, health inference passed). A wave whose failed share exceeds '
        + '`max_failure_percent` halts the rollout and its failed targets go back to the model they ran before (kept by the agent, else redeployed). '
        + 'With `health.max_alarm_rate_increase`, the canaries are watched for `interval_seconds` and compared with their own history. '
        + '`agent_version` rolls out that agent release (GET /api/v1/edge/releases) as agent updates; a rollback returns a target to the version it ran.',
      permission: 'deploy:write', body: RolloutCreateRequest,
      responses: {
        201: { description: 'Created; the engine runs it in the background', schema: RolloutDetail }, 400: err('Invalid input, field named, or the selector matches no target'),
        ...auth, 403: err('Viewer role, or the tier\'s max_deployments would be passed (TIER_LIMIT)'), 404: err('Model, a listed target, or the agent release for a selected target\'s arch not found'), 409: err('agent_version: a selected target\'s architecture is not known'),
      },
      handler: async (c, { body }) => c.json(await rollouts.create(currentUser(c), body), 201),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/rollouts/:id', tag, summary: 'A rollout: status, waves (with the canaries\' alarm-rate checks) and every target\'s state',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Rollout', schema: RolloutDetail }, ...auth, 404: missing },
      handler: async (c, { params }) => c.json(await rollouts.get(params.id, currentUser(c)), 200),
    }),
    control('pause', 'Pause: no new wave starts; deployments already sent finish'),
    control('resume', 'Resume a paused rollout'),
    control('abort', 'Abort: deployments in progress are stopped, targets not reached stay as they are'),
  ];
}
