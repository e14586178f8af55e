import { z } from 'zod';
import { displayName, EquipmentType, IsoTime } from './common.js';

// Edge targets (registered controllers) and their enrollment. `id` and `enrollment_token` are
// additions to the contract's `GET /api/v1/deployments/targets` shape.
export const TargetArch = z.string().trim().min(1).max(64);

export const CreateTargetRequest = z.object({
  name: displayName(128),
  ip: z.string().trim().max(64).optional(),
  arch: TargetArch.optional(),
  equipment_type: EquipmentType.optional().describe('Equipment the controller serves; names its dataset (default air_handler)'),
});
export type CreateTargetRequest = z.infer<typeof CreateTargetRequest>;

export const RenameTargetRequest = z.object({ name: displayName(128) });

export const TargetStatus = z.enum(['pending', 'online', 'offline', 'revoked']);
export type TargetStatus = z.infer<typeof TargetStatus>;

export const Target = z.object({
  id: z.string(),
  ip: z.string().nullable(),
  name: z.string(),
  status: TargetStatus,
  current_model: z.string().nullable(),
  current_model_version: z.string().nullable(),
  arch: z.string().nullable(),
  last_seen: IsoTime.nullable(),
  agent_version: z.string().nullable(),
  dataset_id: z.string().nullable().describe('Per-target dataset the telemetry grows'),
  outbox_depth: z.number().int().nullable(),
  dropped_total: z.number().int().describe('Readings the agent evicted from its outbox before the hub stored them'),
  readings_stored: z.number().int(),
  created_at: IsoTime,
});
export type Target = z.infer<typeof Target>;

export const TargetList = z.array(Target);

export const CreateTargetResponse = Target.extend({
  enrollment_token: z.string().describe('One-time token for `prometheus-edge enroll`; shown once'),
  enrollment_expires_at: IsoTime,
});
export type CreateTargetResponse = z.infer<typeof CreateTargetResponse>;

export const EnrollRequest = z.object({
  enrollment_token: z.string().trim().min(16).max(256),
  arch: TargetArch.optional(),
  agent_version: z.string().max(64).optional(),
  hostname: z.string().max(255).optional(),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export const EnrollResponse = z.object({
  device_id: z.string(),
  /** MQTT username is the device id; the password is this secret, shown once. */
  device_secret: z.string(),
  target_name: z.string(),
  mqtt: z.object({
    url: z.string().describe('mqtt:// or mqtts:// URL of the broker'),
    ws_url: z.string().describe('MQTT over WebSocket'),
    topic_prefix: z.string(),
  }),
  /** Addition: the hub's ed25519 public key (SPKI PEM) that signs model deployments; the agent pins it. */
  deploy_public_key: z.string().optional(),
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;
