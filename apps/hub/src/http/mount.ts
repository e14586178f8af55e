import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors.js';
import { clientIp } from './client-ip.js';
import type { AuthUser, HubEnv } from './context.js';
import { roleAllows } from './permissions.js';
import type { RateLimits } from './rate-limit.js';
import type { AnyRoute } from './route.js';
import { parseInput } from './validation.js';

export interface MountOptions {
  authenticate(token: string): Promise<AuthUser>;
  rateLimits: RateLimits;
  trustProxy: boolean;
  defaultBodyLimit: number;
  /** In tests: check every JSON response against the schema documented for its status. */
  strictResponses: boolean;
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

async function authorize(c: Context<HubEnv>, route: AnyRoute, opts: MountOptions): Promise<void> {
  if (route.permission === 'public') return;
  const token = bearerToken(c.req.header('authorization'));
  if (!token) throw new AppError('UNAUTHORIZED', 'Authentication required', { details: 'Send Authorization: Bearer <token>' });
  const user = await opts.authenticate(token);
  c.set('user', user);
  if (!roleAllows(user.role, route.permission)) {
    throw new AppError('FORBIDDEN', `Your role '${user.role}' may not do this`, { details: `Requires permission '${route.permission}'` });
  }
}

async function limit(c: Context<HubEnv>, route: AnyRoute, opts: MountOptions): Promise<void> {
  if (route.rateLimit === 'exempt') return;
  const user = c.get('user');
  const ip = clientIp(c, opts.trustProxy);
  if (route.rateLimit === 'login') await opts.rateLimits.consume('login', `${route.path}:${ip}`);
  if (route.rateLimit === 'agent' && user) await opts.rateLimits.consume('agent', user.id);
  await opts.rateLimits.consume('api', user ? user.id : `ip:${ip}`);
}

async function readJson(c: Context<HubEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('INVALID_JSON', 'Request body is not valid JSON', { details: (e as Error).message });
  }
}

async function checkResponse(route: AnyRoute, res: Response): Promise<void> {
  const doc = route.responses[res.status];
  if (!doc) throw new Error(`${route.method.toUpperCase()} ${route.path} answered ${res.status}, which it does not document`);
  if (!doc.schema || !res.headers.get('content-type')?.includes('json')) return;
  const parsed = doc.schema.safeParse(await res.clone().json());
  if (!parsed.success) {
    throw new Error(`${route.method.toUpperCase()} ${route.path} ${res.status} breaks its schema: ${parsed.error.message}`);
  }
}

/** Query parameters; a repeated one (`?tag=a&tag=b`) comes as an array, which a schema wanting one value refuses. */
function queryOf(c: Context<HubEnv>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] ?? '' : v]));
}

function handlerFor(route: AnyRoute, opts: MountOptions): MiddlewareHandler<HubEnv> {
  return async (c) => {
    await authorize(c, route, opts);
    await limit(c, route, opts);
    const params = route.params ? parseInput(route.params, c.req.param(), 'path parameter') : undefined;
    const query = route.query ? parseInput(route.query, queryOf(c), 'query parameter') : undefined;
    const isJson = route.body && (route.bodyKind ?? 'json') === 'json';
    const body = isJson ? parseInput(route.body, await readJson(c), 'request body') : undefined;
    const res = await route.handler(c, { body, query, params });
    if (opts.strictResponses) await checkResponse(route, res);
    return res;
  };
}

/** Mounts the route table: authentication, the permission table, rate limits, body limits, parsing. */
export function mountRoutes(app: Hono<HubEnv>, routes: AnyRoute[], opts: MountOptions): void {
  for (const route of routes) {
    const maxSize = route.bodyLimit ?? opts.defaultBodyLimit;
    const sizeGuard = bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', 'Request body too large', { details: `The limit is ${maxSize} bytes` });
      },
    });
    // Multipart routes stream their body and enforce their own limit: hono's guard would touch the body
    // (or buffer it whole when there is no Content-Length), so it is not applied to them.
    const streamed = route.bodyKind === 'multipart';
    const handlers: MiddlewareHandler<HubEnv>[] = route.method === 'get' || streamed ? [] : [sizeGuard];
    app.on([route.method.toUpperCase()], [route.path], ...handlers, handlerFor(route, opts));
  }
}
