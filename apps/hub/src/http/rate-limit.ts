import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';

/**
 * Where the counts live: this process's memory (one hub), or a PostgreSQL table every replica shares, so
 * "30 logins a minute per IP" holds however the load balancer spreads the attempts. Should PostgreSQL be
 * unreachable the process counts alone (rate-limiter-flexible's insurance limiter) rather than refuse everyone.
 */
export interface LimitStore {
  pool: pg.Pool;
}

const TABLE = 'prometheus_rate_limits';
const tableReady: WeakMap<pg.Pool, Promise<void>> = new WeakMap();

/** The table rate-limiter-flexible uses, created once per pool; replicas racing to create it are fine. */
function ensureTable(pool: pg.Pool): Promise<void> {
  let ready = tableReady.get(pool);
  if (!ready) {
    const create = () => pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
    // Two replicas creating it at the same moment: one of them gets a duplicate-type error; the table exists.
    ready = create().catch(() => create()).then(() => undefined);
    ready.catch(() => tableReady.delete(pool));
    tableReady.set(pool, ready);
  }
  return ready;
}

function limiter(store: LimitStore | undefined, keyPrefix: string, points: number, duration: number): { limiter: RateLimiterAbstract; ready: () => Promise<void> } {
  if (!store) return { limiter: new RateLimiterMemory({ points, duration }), ready: async () => undefined };
  return {
    limiter: new RateLimiterPostgres({
      storeClient: store.pool, storeType: 'pool', tableName: TABLE, tableCreated: true, keyPrefix, points, duration,
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    }),
    ready: () => ensureTable(store.pool),
  };
}

export type LimitKind = 'login' | 'api' | 'agent';

export interface RateLimits {
  consume(kind: LimitKind, key: string): Promise<void>;
}

/** Fixed one-minute windows per key, as the contract states the limits (requests/min). */
export function createRateLimits(perMinute: Record<LimitKind, number>, store?: LimitStore): RateLimits {
  const limiters: Record<LimitKind, ReturnType<typeof limiter>> = {
    login: limiter(store, 'login', perMinute.login, 60),
    api: limiter(store, 'api', perMinute.api, 60),
    agent: limiter(store, 'agent', perMinute.agent, 60),
  };
  return {
    async consume(kind, key) {
      try {
        await limiters[kind].ready();
        await limiters[kind].limiter.consume(key);
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        throw new AppError('RATE_LIMITED', 'Too many requests', {
          details: `Limit is ${perMinute[kind]} requests per minute (${kind}); retry in ${retryAfter} s`,
          headers: { 'Retry-After': String(retryAfter) },
        });
      }
    },
  };
}

export interface Lockout {
  /** 429 while the key is locked, before the guess is even checked (so a right guess waits too). */
  check(key: string): Promise<void>;
  /** Counts a wrong guess; the one that reaches the limit locks the key and is answered 429. */
  fail(key: string): Promise<void>;
  clear(key: string): Promise<void>;
}

/** Wrong guesses of a secret: `attempts` within `windowSeconds` lock the action for `lockSeconds`. */
export function createLockout(o: { what: string; attempts: number; windowSeconds: number; lockSeconds: number }, store?: LimitStore): Lockout {
  const { limiter: guesses, ready } = limiter(store, `lockout:${o.what}`, o.attempts, o.windowSeconds);
  const locked = (ms: number) => {
    const retryAfter = Math.max(1, Math.ceil(ms / 1000));
    return new AppError('RATE_LIMITED', `Too many wrong ${o.what}`, {
      details: `${o.attempts} wrong attempts lock this for ${Math.round(o.lockSeconds / 60)} min; retry in ${retryAfter} s`,
      headers: { 'Retry-After': String(retryAfter) },
    });
  };
  return {
    async check(key) {
      await ready();
      const res = await guesses.get(key);
      if (res && res.consumedPoints >= o.attempts && res.msBeforeNext > 0) throw locked(res.msBeforeNext);
    },
    async fail(key) {
      await ready();
      const res = await guesses.penalty(key, 1);
      if (res.consumedPoints < o.attempts) return;
      await guesses.block(key, o.lockSeconds);
      throw locked(o.lockSeconds * 1000);
    },
    async clear(key) {
      await ready();
      await guesses.delete(key);
    },
  };
}
