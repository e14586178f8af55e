import { z } from 'zod';
import { displayName, EquipmentType, IsoTime } from './common.js';

// Edge targets (registered controllers) and their enrollment. `id` and `enrollment_token` are
// additions to the contract's `GET /api/v1/deployments/targets` shape.
export const TargetArch = z.string().trim().min(1).max(64);

// Target groups: free-form `key: value` labels (site, building, equipment, ...) that lists filter by and
// rollouts select on. Bounded and plain so they stay safe in URLs (`?tag=site:warren`), logs and the console.
export const MAX_TARGET_TAGS = 20;
export const TargetTagKey = z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,63}$/u,
  'must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
export const TargetTagValue = z.string().trim().regex(/^[\p{L}\p{N}][\p{L}\p{N} _.:/#+-]{0,127}$/u,
  'must be 1-128 letters, digits, spaces or "_.:/#+-", starting with a letter or digit');
export const TargetTags = z.record(z.string(), TargetTagValue).superRefine((tags, ctx) => {
  const keys = Object.keys(tags);
  if (keys.length > MAX_TARGET_TAGS) ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_TARGET_TAGS} tags (has ${keys.length})` });
  for (const key of keys) {
    // Checked here rather than as the record's key schema, whose failure says only "Invalid key in record".
    const parsed = TargetTagKey.safeParse(key);
    if (!parsed.success) ctx.addIssue({ code: 'custom', path: [key], message: `key ${parsed.error.issues[0]?.message ?? 'is invalid'}` });
  }
}).describe('Labels such as {"site": "warren", "building": "b1", "equipment": "ahu"}');
export type TargetTags = z.infer<typeof TargetTags>;

export const CreateTargetRequest = z.object({
  name: displayName(128),
  ip: z.string().trim().max(64).optional(),
  arch: TargetArch.optional(),
  equipment_type: EquipmentType.optional().describe('Equipment the controller serves; names its dataset (default air_handler)'),
  tags: TargetTags.optional(),
});
export type CreateTargetRequest = z.infer<typeof CreateTargetRequest>;

/** `PATCH /deployments/targets/:id`: a new name, a new tag set (it replaces the old one whole), or both. */
export const UpdateTargetRequest = z.object({ name: displayName(128).optional(), tags: TargetTags.optional() }).strict()
  .refine((b) => b.name !== undefined || b.tags !== undefined, { message: 'give name or tags', path: ['name'] });
export type UpdateTargetRequest = z.infer<typeof UpdateTargetRequest>;

/** One `tag=key:value` filter (repeat it: every one must match). */
export const TargetTagFilter = z.string().transform((s, ctx) => {
  const at = s.indexOf(':');
  const key = TargetTagKey.safeParse(at > 0 ? s.slice(0, at) : '');
  const value = TargetTagValue.safeParse(at > 0 ? s.slice(at + 1) : '');
  if (!key.success || !value.success) {
    ctx.addIssue({ code: 'custom', message: `'${s.slice(0, 200)}' must be key:value (key and value as in a target's tags)` });
    return z.NEVER;
  }
  return { key: key.data, value: value.data };
});

export const TargetListQuery = z.object({
  tag: z.union([TargetTagFilter, z.array(TargetTagFilter).max(MAX_TARGET_TAGS)]).optional()
    .transform((t) => (t === undefined ? [] : Array.isArray(t) ? t : [t]))
    .describe('key:value; repeat for more (every one must match), e.g. ?tag=site:warren&tag=building:b1'),
});

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
  tags: z.record(z.string(), z.string()),
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
