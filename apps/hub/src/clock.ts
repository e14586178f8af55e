/** Time source of the services; tests pass their own to cross expiries without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
