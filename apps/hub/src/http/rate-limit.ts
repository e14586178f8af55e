import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';

export type LimitKind = 'login' | 'api' | 'agent';

export interface RateLimits {
  consume(kind: LimitKind, key: string): Promise<void>;
}

/** Fixed one-minute windows per key, as the contract states the limits (requests/min). */
export function createRateLimits(perMinute: Record<LimitKind, number>): RateLimits {
  const limiters: Record<LimitKind, RateLimiterMemory> = {
    login: new RateLimiterMemory({ points: perMinute.login, duration: 60 }),
    api: new RateLimiterMemory({ points: perMinute.api, duration: 60 }),
    agent: new RateLimiterMemory({ points: perMinute.agent, duration: 60 }),
  };
  return {
    async consume(kind, key) {
      try {
        await limiters[kind].consume(key);
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
export function createLockout(o: { what: string; attempts: number; windowSeconds: number; lockSeconds: number }): Lockout {
  const limiter = new RateLimiterMemory({ points: o.attempts, duration: o.windowSeconds });
  const locked = (ms: number) => {
    const retryAfter = Math.max(1, Math.ceil(ms / 1000));
    return new AppError('RATE_LIMITED', `Too many wrong ${o.what}`, {
      details: `${o.attempts} wrong attempts lock this for ${Math.round(o.lockSeconds / 60)} min; retry in ${retryAfter} s`,
      headers: { 'Retry-After': String(retryAfter) },
    });
  };
  return {
    async check(key) {
      const res = await limiter.get(key);
      if (res && res.consumedPoints >= o.attempts && res.msBeforeNext > 0) throw locked(res.msBeforeNext);
    },
    async fail(key) {
      const res = await limiter.penalty(key, 1);
      if (res.consumedPoints < o.attempts) return;
      await limiter.block(key, o.lockSeconds);
      throw locked(o.lockSeconds * 1000);
    },
    async clear(key) {
      await limiter.delete(key);
    },
  };
}
