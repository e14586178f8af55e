import { DriftQuery, DriftReport, IdParam, Promotion, ShadowReport } from '@prometheus/protocol';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { DeploymentsService } from './deployments-service.js';

const tag = 'Deployments';
const auth = { 401: err('Not logged in') };

// Watching models in the field (additions): shadow comparison and promotion, drift per target.
export function watchRoutes(deployments: DeploymentsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/deployments/:id/shadow', tag, summary: 'A shadow deployment against the live model (addition): agreement, alarm rates, score correlation',
      description: 'The agent scores every window with the live and the shadow model and sends the pairs; the shadow\'s alarms are recorded here and never raised as alerts. '
        + 'Also answers for a promoted deployment (the comparison made before its promotion).',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Comparison', schema: ShadowReport }, ...auth, 404: err('No such deployment (or not yours)'), 409: err('Not a shadow deployment') },
      handler: async (c, { params }) => c.json(await deployments.shadowReport(currentUser(c), params.id), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/deployments/:id/promote', tag, summary: 'Make a shadow deployment live, or roll back to the deployment a promotion replaced (addition)',
      description: 'Sends a signed order to the target; 202 with the promotion `pending` until the agent reports the deployment as the one it runs (then `done`, '
        + 'and the replaced live deployment becomes `superseded`, kept on the target: promoting it rolls back). An offline target gets the order when it reconnects.',
      permission: 'deploy:write', params: IdParam,
      responses: {
        202: { description: 'Promotion ordered', schema: Promotion }, ...auth, 403: err('Viewer role'), 404: err('No such deployment (or not yours)'),
        409: err('Already live, not a deployed shadow nor a rollback candidate, no live model to replace, or another promotion pending on the target'),
      },
      handler: async (c, { params }) => c.json(await deployments.promote(currentUser(c), params.id), 202),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/deployments/targets/:id/drift', tag, summary: 'Drift of the target\'s readings and scores against the training distribution, per hour (addition)',
      description: 'PSI per feature and for the score from the hourly histograms the agent sends (never the readings), oldest first; `from`/`to` bound the hour starts '
        + '(default: the newest 92 days of hours stored). `available` is false, with the reason, when the live model carries no training histograms. '
        + '`bandwidth` is what the summaries cost on the link per day.',
      permission: 'data:read', params: IdParam, query: DriftQuery,
      responses: { 200: { description: 'Drift', schema: DriftReport }, 400: err('Bad query'), ...auth, 404: err('Target not found (or not yours)') },
      handler: async (c, { params, query }) => c.json(await deployments.drift(currentUser(c), params.id, query.from, query.to), 200),
    }),
  ];
}
