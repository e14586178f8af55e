import { z } from 'zod';

export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  aegis_db: z.enum(['connected', 'disconnected']).describe("State of the hub's own store"),
  uptime_seconds: z.number().int(),
  store: z.enum(['sqlite', 'postgresql']).describe('Where this hub keeps its tables (DATABASE_URL set: postgresql)'),
  broker: z.enum(['embedded', 'external']).describe('The embedded MQTT broker, or an external one (MQTT_URL)'),
  role: z.enum(['api', 'worker', 'all']).describe('PROMETHEUS_ROLE: api serves HTTP and devices, worker trains, all does both'),
  replica_id: z.string().describe('This process among the replicas (PROMETHEUS_REPLICA_ID or host-pid-random)'),
  leader: z.boolean().describe('Whether this replica runs the work that must run once (timers, recovery, lapsed leases)'),
  ready: z.boolean().describe('Every part started and, with an external broker, its link connected and subscribed: device messages published now reach this replica (GET /health/ready answers 503 until then)'),
});

export const ClusterReplica = z.object({
  replica_id: z.string(),
  role: z.enum(['api', 'worker', 'all']),
  training_slots: z.number().int().describe('Training runs it may run at once (TRAINING_MAX_CONCURRENT; 0 for api)'),
  leader: z.boolean(),
});

export const SystemMetricsResponse = z.object({
  cpu_usage_percent: z.number(),
  memory_used_mb: z.number(),
  memory_total_mb: z.number(),
  disk_used_gb: z.number(),
  disk_total_gb: z.number(),
  active_training_runs: z.number().int(),
  max_concurrent_trainings: z.number().int(),
  total_models: z.number().int(),
  total_deployments: z.number().int(),
  replica_id: z.string().describe('The replica that answered'),
  role: z.enum(['api', 'worker', 'all']),
  replicas: z.array(ClusterReplica).describe('Replicas heard from in the last few seconds, this one included'),
});
export type SystemMetricsResponse = z.infer<typeof SystemMetricsResponse>;
