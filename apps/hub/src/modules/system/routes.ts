import { HealthResponse, SystemMetricsResponse } from '@prometheus/protocol';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { SystemService } from './system-service.js';

const tag = 'System';

export function systemRoutes(system: SystemService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/health', tag, summary: 'Liveness probe (no authentication): store, broker, role and replica of this process', permission: 'public',
      responses: { 200: { description: 'Alive', schema: HealthResponse } },
      handler: async (c) => c.json(await system.health(), 200),
    }),
    defineRoute({
      method: 'get', path: '/health/ready', tag, permission: 'public',
      summary: 'Readiness probe (no authentication): 200 with the health body once every part started and the broker link is up, else 503',
      responses: { 200: { description: 'Ready', schema: HealthResponse }, 503: err('Starting, or the external broker link is down') },
      handler: async (c) => c.json(await system.readiness(), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/system/metrics', tag, summary: 'CPU, memory and disk of the hub machine; runs, models, deployments; this replica and the others heard from',
      permission: 'system:read',
      responses: { 200: { description: 'Metrics', schema: SystemMetricsResponse }, 401: err('Not logged in') },
      handler: async (c) => c.json(await system.metrics(), 200),
    }),
  ];
}
