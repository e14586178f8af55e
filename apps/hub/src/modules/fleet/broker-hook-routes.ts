import { MqttAclRequest, MqttAuthRequest, MqttHookResult } from '@prometheus/protocol';
import { defineRoute, errorDoc, type AnyRoute } from '../../http/route.js';
import type { BrokerHooks } from './broker-hooks.js';

const tag = 'Deployments';
const err = errorDoc;

// Called by the broker, not by people: authenticated by the shared secret, exempt from the per-address API
// limit (every device CONNECT and publish check of a fleet comes from the broker's few addresses).
export function brokerHookRoutes(hooks: BrokerHooks): AnyRoute[] {
  const common = {
    tag, permission: 'public' as const, rateLimit: 'exempt' as const,
    responses: {
      200: { description: '`allow` or `deny` (a refusal is an answer, not an error)', schema: MqttHookResult },
      400: err('Body is not the documented shape, field named'), 401: err('Missing or wrong Authorization: Bearer <MQTT_HOOK_SECRET>'),
      404: err('Hooks are off (MQTT_HOOK_SECRET not set)'),
    },
  };
  return [
    defineRoute({
      ...common, method: 'post', path: '/api/v1/mqtt/auth', body: MqttAuthRequest,
      summary: 'Broker hook: may this client connect? (device id and secret from enrollment, checked against the stored hash)',
      handler: async (c, { body }) => c.json(await hooks.authenticate(c.req.header('authorization'), body), 200),
    }),
    defineRoute({
      ...common, method: 'post', path: '/api/v1/mqtt/acl', body: MqttAclRequest,
      summary: 'Broker hook: may this client publish or subscribe to this topic? (a device: only its own subtree)',
      handler: async (c, { body }) => c.json(await hooks.authorize(c.req.header('authorization'), body), 200),
    }),
  ];
}
