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
