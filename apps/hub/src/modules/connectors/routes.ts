import { ConnectRequest, ConnectResponse, OutboundPolicy, OutboundPolicyResponse } from '@prometheus/protocol';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { ConnectService } from './connect-service.js';
import type { PolicyService } from './policy-service.js';

export function connectorsRoutes(connect: ConnectService, policy: PolicyService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post', path: '/api/v1/datasets/connect', tag: 'Datasets',
      summary: 'Import from aegis_bridge (default), influxdb, postgresql, tidb, sqlite, mongodb or spacetimedb into a new dataset',
      permission: 'data:write', body: ConnectRequest,
      responses: {
        201: { description: 'Created, with column stats; `truncated` when the row cap cut the import', schema: ConnectResponse },
        400: err('Unsupported source_type, missing fields, bad configuration, a query the source refused, or refused by outbound policy'),
        401: err('Not logged in'), 403: err('Viewer role, or a tier limit'),
        502: err('Failed to connect to the external data source'), 504: err('External source query timed out'),
      },
      handler: async (c, { body }) => c.json(await connect.connect(body, currentUser(c).id), 201),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/outbound-policy', tag: 'System', summary: 'Where connectors may connect: allow/deny lists and the built-in refusals',
      permission: 'system:manage',
      responses: { 200: { description: 'Policy', schema: OutboundPolicyResponse }, 401: err('Not logged in'), 403: err('Not an admin') },
      handler: async (c) => c.json(await policy.describe(), 200),
    }),
    defineRoute({
      method: 'put', path: '/api/v1/admin/outbound-policy', tag: 'System',
      summary: 'Replace the allow/deny lists (hosts, *.domain, CIDRs); a non-empty allow list admits only what it names',
      permission: 'system:manage', body: OutboundPolicy,
      responses: { 200: { description: 'Policy', schema: OutboundPolicyResponse }, 400: err('A rule is not a host or CIDR'), 401: err('Not logged in'), 403: err('Not an admin') },
      handler: async (c, { body }) => c.json(await policy.update(body, currentUser(c).id), 200),
    }),
  ];
}
