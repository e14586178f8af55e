import fs from 'node:fs/promises';
import os from 'node:os';
import type { SystemMetricsResponse } from '@prometheus/protocol';
import { AppError } from '../../errors.js';

export type CounterName = 'active_training_runs' | 'total_models' | 'total_deployments';

interface CpuSample {
  at: number;
  idle: number;
  total: number;
}

function sampleCpu(): CpuSample {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { at: Date.now(), idle, total };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;

export interface SystemServiceDeps {
  dataDir: string;
  version: string;
  maxConcurrentTrainings: () => number;
  pingDatabase: () => boolean | Promise<boolean>;
  /** Undefined when ready to take device messages; else why not (starting, the broker link down). */
  notReady: () => string | undefined;
  cluster: {
    replicaId: string;
    role: 'api' | 'worker' | 'all';
    store: 'sqlite' | 'postgresql';
    broker: 'embedded' | 'external';
    leader(): boolean;
    members(): { replicaId: string; role: 'api' | 'worker' | 'all'; trainingSlots: number; leader: boolean }[];
  };
}

export function createSystemService(deps: SystemServiceDeps) {
  const startedAt = Date.now();
  const counters = new Map<CounterName, () => Promise<number>>();
  let lastCpu = sampleCpu();

  /** Machine-wide CPU busy share since the previous call (at least 100 ms of samples). */
  async function cpuPercent(): Promise<number> {
    if (Date.now() - lastCpu.at < 100) await sleep(100);
    const now = sampleCpu();
    const total = now.total - lastCpu.total;
    const busy = total - (now.idle - lastCpu.idle);
    lastCpu = now;
    return total > 0 ? round1((100 * busy) / total) : 0;
  }

  async function health() {
    const dbOk = await Promise.resolve().then(deps.pingDatabase).catch(() => false);
    const { cluster } = deps;
    return {
      status: dbOk ? ('ok' as const) : ('degraded' as const),
      version: deps.version,
      aegis_db: dbOk ? ('connected' as const) : ('disconnected' as const),
      uptime_seconds: Math.floor((Date.now() - startedAt) / 1000),
      store: cluster.store, broker: cluster.broker, role: cluster.role, replica_id: cluster.replicaId, leader: cluster.leader(),
      ready: deps.notReady() === undefined,
    };
  }

  /** Readiness for a load balancer or a deploy script: the health body, or why this replica is not ready yet. */
  async function readiness() {
    const reason = deps.notReady();
    if (reason !== undefined) throw new AppError('SERVICE_UNAVAILABLE', `hub not ready: ${reason}`, { expected: true, headers: { 'retry-after': '1' } });
    return health();
  }

  return {
    /** Modules that own runs, models and deployments report their counts here. */
    registerCounter(name: CounterName, count: () => Promise<number>): void {
      counters.set(name, count);
    },

    health,
    readiness,

    async metrics(): Promise<SystemMetricsResponse> {
      const disk = await fs.statfs(deps.dataDir);
      const count = async (name: CounterName) => (await counters.get(name)?.()) ?? 0;
      const mb = 1024 * 1024;
      const gb = mb * 1024;
      return {
        cpu_usage_percent: await cpuPercent(),
        memory_used_mb: Math.round((os.totalmem() - os.freemem()) / mb),
        memory_total_mb: Math.round(os.totalmem() / mb),
        disk_used_gb: round1(((disk.blocks - disk.bfree) * disk.bsize) / gb),
        disk_total_gb: round1((disk.blocks * disk.bsize) / gb),
        active_training_runs: await count('active_training_runs'),
        max_concurrent_trainings: deps.maxConcurrentTrainings(),
        total_models: await count('total_models'),
        total_deployments: await count('total_deployments'),
        replica_id: deps.cluster.replicaId,
        role: deps.cluster.role,
        replicas: deps.cluster.members().map((m) => ({ replica_id: m.replicaId, role: m.role, training_slots: m.trainingSlots, leader: m.leader })),
      };
    },
  };
}

export type SystemService = ReturnType<typeof createSystemService>;
