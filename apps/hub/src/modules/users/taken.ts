import { uniqueViolation } from '../../db/unique.js';
import type { AppError } from '../../errors.js';

export type Taken = 'username' | 'email';

/**
 * Runs a write of a username or email the caller has just looked up and found free. Two requests (or replicas)
 * can both find it free; the store's unique key then refuses the second, which gets `taken(field)`, the same
 * answer the look-up would have given.
 */
export async function unlessTaken<T>(write: () => Promise<T>, taken: (field: Taken) => AppError): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const columns = uniqueViolation(err)?.columns ?? [];
    const field = (['username', 'email'] as const).find((f) => columns.includes(f));
    throw field ? taken(field) : err;
  }
}
