import { AppError } from '../../errors.js';

// How upstream trouble becomes the contract's statuses: 504 on timeout, 502 when the source cannot be
// reached or fails, 400 when the request itself is wrong (bad query, unknown table or database).
export const upstreamTimeout = (what: string, ms: number) =>
  new AppError('UPSTREAM_TIMEOUT', `${what} timed out`, { details: `No answer within ${ms} ms` });

export const upstreamFailed = (what: string, details: string, cause?: unknown) =>
  new AppError('UPSTREAM_FAILED', `Failed to connect to ${what}`, { details, cause });

export const upstreamRejected = (what: string, details: string) =>
  new AppError('BAD_REQUEST', `${what} rejected the request`, { details });

const NETWORK = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|other side closed|Connection terminated|closed the connection/i;

export function isNetworkError(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: unknown };
  return NETWORK.test(`${e?.code ?? ''} ${e?.message ?? ''}`) || (e?.cause !== undefined && e.cause !== err && isNetworkError(e.cause));
}

/** Runs `work` with a deadline; on expiry calls `abort` (close the client) and throws 504. */
export async function withDeadline<T>(what: string, ms: number, work: Promise<T>, abort: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort();
      reject(upstreamTimeout(what, ms));
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
