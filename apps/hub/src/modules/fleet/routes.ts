import {
  CreateTargetRequest, CreateTargetResponse, EnrollRequest, EnrollResponse, IdParam, Target, TargetList, TargetListQuery, UpdateTargetRequest,
} from '@prometheus/protocol';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc, type AnyRoute } from '../../http/route.js';
import type { EnrollmentService } from './enrollment-service.js';
import type { TargetsService } from './targets-service.js';

const tag = 'Deployments';
const err = errorDoc;
const unauth = err('Token invalid or expired');
const missing = err('Target not found (or not yours)');

// Mount these before any `/api/v1/deployments/:id` route, or `targets` would be taken for an id.
export function fleetRoutes(deps: { targets: TargetsService; enrollment: EnrollmentService }): AnyRoute[] {
  const { targets } = deps;
  return [
    defineRoute({
      method: 'get', path: '/api/v1/deployments/targets', tag, summary: 'List registered edge controllers with their live status',
      description: 'status is online/offline from the MQTT session and the last will; pending until enrolled; revoked after revocation. '
        + '`?tag=key:value` (repeatable) keeps the targets carrying every tag given.',
      permission: 'data:read', query: TargetListQuery,
      responses: { 200: { description: 'Targets', schema: TargetList }, 400: err('Bad tag filter'), 401: unauth },
      handler: async (c, { query }) => c.json(await targets.list(currentUser(c), query.tag), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/deployments/targets', tag, summary: 'Register a target; returns a one-time enrollment token',
      permission: 'deploy:write', body: CreateTargetRequest,
      responses: { 201: { description: 'Created', schema: CreateTargetResponse }, 400: err('Invalid input, field named'), 401: unauth, 403: err('Viewers may not') },
      handler: async (c, { body }) => c.json(await targets.create(currentUser(c), body), 201),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/deployments/targets/enroll', tag, summary: 'Agent: exchange the enrollment token for device credentials',
      description: 'Public, authenticated by the one-time token. The MQTT username is device_id, the password device_secret.',
      permission: 'public', rateLimit: 'login', body: EnrollRequest,
      responses: { 201: { description: 'Enrolled', schema: EnrollResponse }, 400: err('Invalid, used or expired token'), 429: err('Rate limit exceeded') },
      handler: async (c, { body }) => c.json(await deps.enrollment.enroll(body), 201),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/deployments/targets/:id', tag, summary: 'One target', permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Target', schema: Target }, 401: unauth, 404: missing },
      handler: async (c, { params }) => c.json(await targets.get(currentUser(c), params.id), 200),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/deployments/targets/:id', tag, summary: 'Rename a target and/or replace its tags',
      description: '`tags` replaces the whole tag set (send `{}` to clear it); fields left out stay as they are.',
      permission: 'deploy:write', params: IdParam, body: UpdateTargetRequest,
      responses: { 200: { description: 'Updated', schema: Target }, 400: err('Invalid name or tags, field named'), 401: unauth, 403: err('Viewers may not'), 404: missing },
      handler: async (c, { params, body }) => c.json(await targets.update(currentUser(c), params.id, body), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/deployments/targets/:id/revoke', tag, summary: 'Revoke a target: credentials refused, session dropped at once',
      permission: 'deploy:write', params: IdParam,
      responses: { 200: { description: 'Revoked', schema: Target }, 401: unauth, 403: err('Viewers may not'), 404: missing },
      handler: async (c, { params }) => c.json(await targets.revoke(currentUser(c), params.id), 200),
    }),
  ];
}
