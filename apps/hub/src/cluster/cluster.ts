import type pg from 'pg';
import type { Logger } from '../logger.js';
import { createSingleCluster } from './single.js';
import { createPostgresCluster } from './postgres.js';

// What several hub processes on one store share besides the store: one leader for the work that must run once,
// messages every replica hears (live training updates, revoked sessions, who is a worker), and locks that hold
// across processes. On SQLite there is one process: it leads, hears its own messages and locks in memory.
// On PostgreSQL the leader holds an advisory lock on its own connection (a dead process loses it with its
// connection), messages travel by LISTEN/NOTIFY, and locks are advisory locks.

export type HubRole = 'api' | 'worker' | 'all';

/** Channels every replica hears; a message is JSON of at most ~7 kB (PostgreSQL's NOTIFY limit is 8,000 bytes). */
export type BusChannel = 'training.live' | 'training.queued' | 'training.stop' | 'sessions.forget' | 'datasets.changed' | 'cluster.member' | 'rollouts.changed';

export interface ClusterBus {
  /** Fire and forget, in order per replica; delivered to this replica too. */
  publish(channel: BusChannel, message: unknown): void;
  subscribe(channel: BusChannel, listener: (message: unknown) => void): () => void;
}

export interface Leadership {
  isLeader(): boolean;
  /** Called with true when this replica becomes the leader and false when it stops being it. */
  onChange(listener: (leader: boolean) => void): () => void;
}

export interface ClusterMember {
  replicaId: string;
  role: HubRole;
  /** Training runs this replica may run at once (0 for an api replica). */
  trainingSlots: number;
  leader: boolean;
  seenAt: number;
}

export interface Cluster {
  kind: 'single' | 'postgres';
  replicaId: string;
  role: HubRole;
  bus: ClusterBus;
  leader: Leadership;
  /** One holder at a time per key across every replica. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Replicas heard from recently, this one included. */
  members(): ClusterMember[];
  /** Announces what this replica offers (heard by every replica's members()). */
  setTrainingSlots(slots: number): void;
  /** PostgreSQL only: a pool for stores that speak pg themselves (the rate limiter). */
  pgPool: pg.Pool | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  databaseUrl: string | undefined;
  replicaId: string;
  role: HubRole;
  /** Leader retry, member heartbeat and reconnect interval. */
  pollMs: number;
  log: Logger;
}

export function createCluster(opts: ClusterOptions): Cluster {
  return opts.databaseUrl ? createPostgresCluster({ ...opts, databaseUrl: opts.databaseUrl }) : createSingleCluster(opts);
}

/** Runs `fn` every `intervalMs` while this replica leads; failures are logged, the timer keeps going. */
export function whileLeader(leadership: Pick<Leadership, 'isLeader'>, intervalMs: number, fn: () => Promise<void>, log: Logger, what: string): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running || !leadership.isLeader()) return;
    running = true;
    fn().catch((err: unknown) => log.error({ err }, `${what} failed`)).finally(() => {
      running = false;
    });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

interface Component {
  name: string;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/** A component that must run once per store (a ticker over shared rows): started while this replica leads. */
export function leaderOnly(cluster: Cluster, component: Component, log: Logger): Component {
  let running = false;
  let unwatch: (() => void) | undefined;
  let turn: Promise<void> = Promise.resolve();
  // Start and stop in the order leadership changed, never two at once.
  const follow = (leader: boolean) => {
    turn = turn.then(async () => {
      if (leader && !running) {
        running = true;
        await component.start?.();
      } else if (!leader && running) {
        running = false;
        await component.stop?.();
      }
    }).catch((err: unknown) => log.error({ err, component: component.name }, 'leader-only component failed to follow leadership'));
    return turn;
  };
  return {
    name: component.name,
    async start() {
      unwatch = cluster.leader.onChange((leader) => void follow(leader));
      await follow(cluster.leader.isLeader());
    },
    async stop() {
      unwatch?.();
      await follow(false);
    },
  };
}
