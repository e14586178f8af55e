import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody } from '@prometheus/protocol';
import { uniqueViolation } from '../db/unique.js';
import { AppError } from '../errors.js';
import type { HubEnv } from './context.js';

// The single place where errors become HTTP: `{error, code, details}`, never a stack trace.
export function errorResponse(err: unknown, c: Context<HubEnv>): Response {
  if (err instanceof AppError) {
    if (err.expected) c.get('log')?.info({ code: err.code, status: err.status }, err.message);
    else if (err.status >= 500) c.get('log')?.error({ err, code: err.code }, err.message);
    const body: ErrorBody = { error: err.message, code: err.code, ...(err.details ? { details: err.details } : {}) };
    return c.json(body, err.status as ContentfulStatusCode, err.headers);
  }
  const taken = uniqueViolation(err);
  if (taken) {
    // Two writers passed a service's look-up at once and the store's unique key refused the second: a conflict.
    const what = taken.columns.length > 0 ? `${taken.table ? `${taken.table} ` : ''}${taken.columns.join(', ')}` : 'a unique key';
    c.get('log')?.info({ code: 'CONFLICT', table: taken.table, columns: taken.columns }, 'unique key refused a concurrent write');
    return c.json({ error: 'Already exists', code: 'CONFLICT', details: `Another request created the same ${what} at the same time` }, 409);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code = err.status === 413 ? 'PAYLOAD_TOO_LARGE' : err.status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST';
    return c.json({ error: err.message || 'Bad request', code }, err.status);
  }
  const requestId = c.get('requestId');
  c.get('log')?.error({ err, requestId }, 'unhandled error');
  return c.json({ error: 'Internal server error', code: 'INTERNAL_ERROR', details: `request id ${requestId}` }, 500);
}

export function notFoundResponse(c: Context<HubEnv>): Response {
  return c.json({ error: 'Not found', code: 'NOT_FOUND', details: `No route for ${c.req.method} ${c.req.path}` }, 404);
}
