import type { ErrorBody } from '@prometheus/protocol';
import { endSession, getSession } from './session.js';

// The one way the console talks to the hub: JSON over fetch with the bearer token. Every failure
// becomes an ApiError carrying the hub's `{error, code, details}`; errors.ts turns it into words.
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Public routes (login, signup): a 401 is an answer, not an expired session. */
  anonymous?: boolean;
  signal?: AbortSignal;
}

export function authHeaders(): Record<string, string> {
  const token = getSession()?.token;
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: Partial<ErrorBody> = {};
  try {
    body = JSON.parse(text) as Partial<ErrorBody>;
  } catch {
    body = { error: text.slice(0, 200) || res.statusText };
  }
  const retry = Number(res.headers.get('retry-after'));
  return new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.error ?? res.statusText, body.details, Number.isFinite(retry) && retry > 0 ? retry : undefined);
}

/** A 401 on an authenticated call means the token is gone: back to the login page with a reason. */
export function handleUnauthorized(err: ApiError, anonymous: boolean | undefined): void {
  if (err.status === 401 && !anonymous && getSession()) endSession('Your session has ended. Please sign in again.');
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...(options.anonymous ? {} : authHeaders()) };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method, headers, signal: options.signal ?? null,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK_ERROR', 'The hub could not be reached');
  }
  if (!res.ok) {
    const err = await errorFrom(res);
    handleUnauthorized(err, options.anonymous);
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, signal ? { signal } : {});
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body === undefined ? {} : { body });
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, { body });
export const del = <T = void>(path: string) => api<T>('DELETE', path);

/** Downloads a file with the bearer token (a plain link cannot carry it) and saves it under `name`. */
export async function download(path: string, name: string): Promise<void> {
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) {
    const err = await errorFrom(res);
    handleUnauthorized(err, false);
    throw err;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
