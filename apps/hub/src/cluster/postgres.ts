import { createRequire } from 'node:module';
import type pg from 'pg';
import { createKeyedLock } from '../keyed-lock.js';
import type { Logger } from '../logger.js';
import { createLocalBus } from './bus.js';
import type { Cluster, ClusterMember, HubRole } from './cluster.js';

// Several replicas on one PostgreSQL database. Leadership is `pg_try_advisory_lock` held on a connection of
// its own: a replica that dies (SIGKILL included) closes that connection, the server drops the lock, and the
// next replica to try (every pollMs) leads. Messages go through one NOTIFY channel, sent one at a time so
// they arrive in the order published. Members announce themselves on the bus every pollMs.

/** One hub per schema: the channel and every lock are scoped by the connection's current schema (several hubs, the
 * test suite's say, can share one server). */
const CHANNEL_PREFIX = 'prometheus_hub';
/** First half of every advisory lock key the hub takes ("PRMT"), so other applications' locks never collide. */
const LOCK_SPACE = 0x50524d54;
/** Keyed locks use the next space, the key's hashtext as the second half (a collision only serializes more). */
const KEYED_SPACE = LOCK_SPACE + 1;
const MAX_MESSAGE_BYTES = 7000;

interface PostgresClusterOptions {
  databaseUrl: string;
  replicaId: string;
  role: HubRole;
  pollMs: number;
  log: Logger;
}

// Loaded on first use: a hub on SQLite never loads the driver (main-thread-imports.test.ts).
const loadPg = (): typeof pg => createRequire(import.meta.url)('pg') as typeof pg;

export function createPostgresCluster(opts: PostgresClusterOptions): Cluster {
  const { log, replicaId } = opts;
  const { Pool, Client } = loadPg();
  const pool = new Pool({ connectionString: opts.databaseUrl, max: 8 });
  pool.on('error', (err) => log.warn({ err }, 'cluster pool connection lost'));
  const local = createLocalBus(log);
  const localLock = createKeyedLock();
  let scope: Promise<{ schema: string; channel: string }> | undefined;
  const scoped = () => {
    scope ??= pool.query<{ s: string }>('select current_schema() as s').then(({ rows }) => {
      const schema = rows[0]?.s ?? 'public';
      return { schema, channel: `${CHANNEL_PREFIX}:${schema}`.slice(0, 63) };
    });
    scope.catch(() => {
      scope = undefined;
    });
    return scope;
  };
  const leaderListeners = new Set<(leader: boolean) => void>();
  const members = new Map<string, ClusterMember>();
  let leader = false;
  let trainingSlots = 0;
  let stopped = true;
  let sending: Promise<unknown> = Promise.resolve();
  let listener: pg.Client | undefined;
  let leaderClient: pg.Client | undefined;
  let locking: Promise<pg.Client> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function setLeader(value: boolean): void {
    if (value === leader) return;
    leader = value;
    log.info({ replicaId, leader }, value ? 'this replica leads' : 'this replica no longer leads');
    for (const l of [...leaderListeners]) l(value);
  }

  function publish(channel: string, message: unknown): void {
    const payload = JSON.stringify({ c: channel, m: message });
    if (Buffer.byteLength(payload) > MAX_MESSAGE_BYTES) {
      log.error({ channel, bytes: Buffer.byteLength(payload) }, 'cluster message too large; not sent');
      return;
    }
    sending = sending.then(async () => pool.query('select pg_notify($1, $2)', [(await scoped()).channel, payload]))
      .catch((err: unknown) => log.warn({ err, channel }, 'cluster message not sent'));
  }

  function connectClient(onLost: () => void): pg.Client {
    const client = new Client({ connectionString: opts.databaseUrl });
    let lost = false;
    const lose = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (err) log.warn({ err }, 'cluster connection lost');
      onLost();
      client.end().catch(() => undefined);
    };
    client.on('error', lose);
    client.on('end', () => lose());
    return client;
  }

  async function ensureListener(): Promise<void> {
    if (listener || stopped) return;
    const client = connectClient(() => {
      if (listener === client) listener = undefined;
    });
    listener = client;
    const { channel } = await scoped();
    client.on('notification', (n) => {
      if (n.channel !== channel || !n.payload) return;
      try {
        const { c, m } = JSON.parse(n.payload) as { c: string; m: unknown };
        local.deliver(c, m);
      } catch (err) {
        log.warn({ err }, 'malformed cluster message ignored');
      }
    });
    await client.connect();
    await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
  }

  async function tryLead(): Promise<void> {
    // What the leader runs (rollouts, deployment timers, retention) lives on api replicas; a worker never leads.
    if (stopped || opts.role === 'worker') return;
    if (!leaderClient) {
      const client = connectClient(() => {
        if (leaderClient === client) leaderClient = undefined;
        setLeader(false);
      });
      leaderClient = client;
      await client.connect();
    }
    if (leader) {
      // Still connected means still holding the lock.
      await leaderClient.query('select 1');
      return;
    }
    const { schema } = await scoped();
    const { rows } = await leaderClient.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [LOCK_SPACE, `leader:${schema}`]);
    if (rows[0]?.ok) setLeader(true);
  }

  /**
   * Keyed locks live on one connection of their own, taken with pg_try_advisory_lock and retried: the connection
   * never blocks, so one serves every key, and a burst of locks cannot take the pool the holders' own work needs
   * (a connection per holder did: an enrollment nests its edge dataset's lock, so 8 enrollments at once held all
   * 8 connections and each waited for a 9th forever).
   */
  function lockClient(): Promise<pg.Client> {
    if (!locking) {
      const client = connectClient(() => {
        if (locking === opened) locking = undefined;
      });
      const opened: Promise<pg.Client> = client.connect().then(() => client);
      opened.catch(() => {
        if (locking === opened) locking = undefined;
      });
      locking = opened;
    }
    return locking;
  }

  /** One query at a time on the lock connection: holders share it, and pg deprecates overlapping queries on a client. */
  let lockQueries: Promise<unknown> = Promise.resolve();
  function lockQuery<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const result = lockQueries.then(() => client.query<R>(text, values));
    lockQueries = result.catch(() => undefined);
    return result;
  }

  async function acquire(client: pg.Client, full: string): Promise<void> {
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      const { rows } = await lockQuery<{ ok: boolean }>(client, 'select pg_try_advisory_lock($1, hashtext($2)) as ok', [KEYED_SPACE, full]);
      if (rows[0]?.ok) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  function heartbeat(): void {
    publish('cluster.member', { replicaId, role: opts.role, trainingSlots, leader, seenAt: Date.now() } satisfies ClusterMember);
    const cutoff = Date.now() - opts.pollMs * 4;
    for (const [id, m] of members) if (id !== replicaId && m.seenAt < cutoff) members.delete(id);
  }

  async function tick(): Promise<void> {
    await ensureListener().catch((err: unknown) => log.warn({ err }, 'cluster listener not connected; retrying'));
    await tryLead().catch((err: unknown) => {
      log.warn({ err }, 'leadership check failed');
      setLeader(false);
      leaderClient?.end().catch(() => undefined);
      leaderClient = undefined;
    });
    if (!stopped) heartbeat();
  }

  local.subscribe('cluster.member', (m) => {
    const member = m as ClusterMember;
    if (member.seenAt === 0) members.delete(member.replicaId); // a replica stopping says goodbye
    else if (member.role === 'api' || member.role === 'worker' || member.role === 'all') members.set(member.replicaId, { ...member, seenAt: Date.now() });
  });

  return {
    kind: 'postgres', replicaId, role: opts.role, pgPool: pool,
    bus: { publish, subscribe: local.subscribe },
    leader: {
      isLeader: () => leader,
      onChange(l) {
        leaderListeners.add(l);
        return () => leaderListeners.delete(l);
      },
    },
    withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
      return localLock(key, async () => {
        const full = `${(await scoped()).schema}:${key}`;
        const client = await lockClient();
        await acquire(client, full);
        try {
          return await fn();
        } finally {
          // A lost connection already dropped the lock with its session.
          await lockQuery(client, 'select pg_advisory_unlock($1, hashtext($2))', [KEYED_SPACE, full])
            .catch((err: unknown) => log.warn({ err, key }, 'cluster lock not released (its connection is gone, and the lock with it)'));
        }
      });
    },
    members() {
      members.set(replicaId, { replicaId, role: opts.role, trainingSlots, leader, seenAt: Date.now() });
      return [...members.values()];
    },
    setTrainingSlots(slots) {
      trainingSlots = slots;
      if (!stopped) heartbeat();
    },
    async start() {
      stopped = false;
      await tick();
      timer = setInterval(() => void tick(), opts.pollMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      publish('cluster.member', { replicaId, role: opts.role, trainingSlots: 0, leader: false, seenAt: 0 } satisfies ClusterMember);
      await sending;
      // Ending the leader's connection releases the lock at once: the next replica leads on its next try.
      const locks = locking?.then((c) => c.end());
      locking = undefined;
      await Promise.all([leaderClient?.end(), listener?.end(), locks].map((p) => p?.catch(() => undefined)));
      setLeader(false);
      await pool.end();
    },
  };
}
