import type { Context } from 'hono';
import { ErrorBody } from '@prometheus/protocol';
import type { z } from 'zod';
import type { HubEnv } from './context.js';
import type { Permission } from './permissions.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
}

export interface RouteInput<B, Q, P> {
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
}

/**
 * One API route: its contract (schemas, documented responses) and its permission are data,
 * so the same table mounts the routes, enforces authorization and writes the OpenAPI document.
 */
export interface RouteDef<B = unknown, Q = unknown, P = unknown> {
  method: Method;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  permission: Permission;
  /** Extra limiter besides the per-user API limit; `exempt`: none at all (machine callers with their own secret). */
  rateLimit?: 'login' | 'agent' | 'exempt';
  body?: B;
  query?: Q;
  params?: P;
  /** json (default when body is set); multipart/raw routes read the body themselves. */
  bodyKind?: 'json' | 'multipart' | 'raw';
  /** Overrides the hub's default body size limit (bytes). */
  bodyLimit?: number;
  responses: Record<number, ResponseDoc>;
  handler: (c: Context<HubEnv>, input: RouteInput<B, Q, P>) => Response | Promise<Response>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDef<any, any, any>;

export function defineRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(def: RouteDef<B, Q, P>): AnyRoute {
  return def as AnyRoute;
}

/** Hono path `/a/:id` -> OpenAPI path `/a/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** A documented error response in the contract's `{error, code, details}` shape. */
export function errorDoc(description: string): ResponseDoc {
  return { description, schema: ErrorBody };
}
