/**
 * Reconnect delays: exponential with "full jitter" (a uniform draw below the exponential cap), so a fleet
 * that lost its broker at the same instant comes back spread over the window instead of all at once.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}
