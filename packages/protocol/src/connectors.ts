import { z } from 'zod';
import { displayName, EquipmentType } from './common.js';
import { DatasetDetail } from './datasets.js';

// POST /api/v1/datasets/connect: seven source types, `aegis_bridge` when source_type is absent.
const text = (max: number) => z.string().trim().min(1, 'is required').max(max);
const common = {
  name: displayName(200),
  equipment_type: EquipmentType,
  location: displayName(200).optional(),
  unit: displayName(100).optional(),
};
const httpUrl = z.string().trim().max(2048).regex(/^https?:\/\/[^\s]+$/i, 'must be an http:// or https:// URL');
const TimeRangeInput = z.object({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) })
  .refine((r) => Date.parse(r.start) <= Date.parse(r.end), 'start must not be after end');

const sqlFields = {
  connection_string: z.string().trim().min(1).max(2048).optional(),
  api_url: httpUrl.optional(),
  api_key: z.string().max(4096).optional(),
  query: text(100_000),
};
const oneOf = (v: { connection_string?: string | undefined; api_url?: string | undefined }) => (v.connection_string === undefined) !== (v.api_url === undefined);
const oneOfMessage = { message: 'provide either connection_string or api_url (exactly one)', path: ['connection_string'] };

export const ConnectRequest = z.preprocess(
  (v) => (v && typeof v === 'object' && !('source_type' in v) ? { ...v, source_type: 'aegis_bridge' } : v),
  z.discriminatedUnion('source_type', [
    z.object({
      ...common, source_type: z.literal('aegis_bridge'),
      controller_ip: z.string().trim().min(1, 'is required').max(253),
      aegis_port: z.number().int().min(1).max(65535).default(9090),
      collection: text(200).default('hardware_metrics'),
      time_range: TimeRangeInput.optional(),
      /** Newer Aegis-DB servers require a Bearer token on data routes. */
      auth_token: z.string().max(4096).optional(),
    }),
    z.object({
      ...common, source_type: z.literal('influxdb'),
      url: httpUrl, database: text(200), measurement: text(200), time_range: TimeRangeInput.optional(),
      token: z.string().max(4096).optional(),
    }),
    z.object({ ...common, source_type: z.literal('postgresql'), ...sqlFields }).refine(oneOf, oneOfMessage),
    z.object({ ...common, source_type: z.literal('tidb'), ...sqlFields }).refine(oneOf, oneOfMessage),
    z.object({ ...common, source_type: z.literal('sqlite'), connection_string: text(4096), query: text(100_000) }),
    z.object({
      ...common, source_type: z.literal('mongodb'),
      api_url: httpUrl.optional(), api_key: z.string().max(4096).optional(),
      connection_string: z.string().trim().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').max(4096).optional(),
      data_source: text(200).default('mongodb-atlas'),
      database: text(200), mongodb_collection: text(200),
      filter: z.record(z.string(), z.unknown()).default({}),
    }).refine((v) => (v.api_url === undefined) !== (v.connection_string === undefined), { message: 'provide either api_url (Data API) or connection_string (exactly one)', path: ['api_url'] })
      .refine((v) => v.api_url === undefined || (v.api_key ?? '') !== '', { message: 'is required with api_url', path: ['api_key'] }),
    z.object({
      ...common, source_type: z.literal('spacetimedb'),
      api_url: httpUrl, database: text(200), query: text(100_000), auth_token: z.string().max(4096).optional(),
    }),
  ], { error: () => 'must be one of aegis_bridge, influxdb, postgresql, tidb, sqlite, mongodb, spacetimedb' }),
);
export type ConnectRequest = z.infer<typeof ConnectRequest>;

/** 201 of POST /datasets/connect: the new dataset, and whether the hub's row cap cut the import short. */
export const ConnectResponse = DatasetDetail.extend({
  /** Addition: true when the source had more rows than `CONNECTOR_ROW_CAP` and only the first ones were imported. */
  truncated: z.boolean(),
  /** Addition: what the import could not do, in words (the row cap that cut it). */
  warnings: z.array(z.string()),
});
export type ConnectResponse = z.infer<typeof ConnectResponse>;

/** Outbound policy for connectors: hosts (`name`, `*.suffix`) or CIDRs (`10.0.0.0/8`, `fd00::/8`). */
export const OutboundPolicy = z.object({
  allow: z.array(z.string().trim().min(1).max(300)).max(500),
  deny: z.array(z.string().trim().min(1).max(300)).max(500),
});
export type OutboundPolicy = z.infer<typeof OutboundPolicy>;

export const OutboundPolicyResponse = OutboundPolicy.extend({
  /** Always refused unless allowed explicitly: link-local and cloud metadata endpoints. */
  default_deny: z.array(z.string()),
  updated_at: z.string().nullable(),
});
