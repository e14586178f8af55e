import { z } from 'zod';

// What a clustered broker (EMQX's HTTP authentication and authorization, or any broker with HTTP hooks) sends
// to POST /api/v1/mqtt/auth and /api/v1/mqtt/acl, and what the hub answers. The broker authenticates itself
// with `Authorization: Bearer <MQTT_HOOK_SECRET>`; a refusal is a 200 with `result: deny` (a 4xx means the
// call itself was wrong).

export const MqttAuthRequest = z.object({
  clientid: z.string().min(1).max(256),
  username: z.string().min(1).max(256),
  password: z.string().max(1024),
});
export type MqttAuthRequest = z.infer<typeof MqttAuthRequest>;

export const MqttAclRequest = z.object({
  clientid: z.string().min(1).max(256),
  username: z.string().min(1).max(256),
  topic: z.string().min(1).max(65_535),
  action: z.enum(['publish', 'subscribe']),
});
export type MqttAclRequest = z.infer<typeof MqttAclRequest>;

export const MqttHookResult = z.object({
  result: z.enum(['allow', 'deny']),
  /** Auth only: the hub's own connection, which EMQX then exempts from authorization. */
  is_superuser: z.boolean().optional(),
});
export type MqttHookResult = z.infer<typeof MqttHookResult>;
