import { z } from 'zod';

export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  aegis_db: z.enum(['connected', 'disconnected']).describe("State of the hub's own store"),
  uptime_seconds: z.number().int(),
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
});
export type SystemMetricsResponse = z.infer<typeof SystemMetricsResponse>;
