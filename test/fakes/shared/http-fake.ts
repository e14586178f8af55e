// Common plumbing for every upstream fake: bind 127.0.0.1:0, log requests, and inject faults
// (latency, failing responses, dropped or hung connections) so consumers can test their
// timeout, retry and outage paths against the same server that answers the happy path.
import { gunzipSync, inflateSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import { serve } from '@hono/node-server';
import type { HttpBindings } from '@hono/node-server';

export type FakeEnv = { Bindings: HttpBindings; Variables: { rawBody: string } };
export type FakeContext = Context<FakeEnv>;

/** One request as the fake received it (body already gunzipped when it was compressed). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  at: Date;
}

export type DropMode = 'reset' | 'hang';

/** Controls every fake exposes besides its own. */
export interface FaultControls {
  /** Every request received, oldest first (cleared by `clearRequests`). */
  readonly requests: RecordedRequest[];
  clearRequests(): void;
  /** Delay every response by `ms` (0 turns it off). */
  setLatency(ms: number): void;
  /** Answer the next `count` requests with `status` and the upstream's own error body for it. */
  failNext(count: number, status?: number): void;
  /** 'reset' destroys the socket (ECONNRESET); 'hang' never answers (client timeout). */
  dropNext(count: number, mode?: DropMode): void;
}

export interface FakeHandle extends FaultControls {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface FaultOptions {
  latencyMs?: number;
  /** The upstream's error response for an injected failure with this status. */
  failureResponse: (c: FakeContext, status: number) => Response | Promise<Response>;
}

/** Builds a Hono app whose first middleware records the request and applies injected faults. */
export function createFakeApp(options: FaultOptions): { app: Hono<FakeEnv>; faults: FaultState } {
  const faults = new FaultState(options.latencyMs ?? 0);
  const app = new Hono<FakeEnv>();
  app.use('*', faults.middleware(options.failureResponse));
  return { app, faults };
}

export class FaultState implements FaultControls {
  readonly requests: RecordedRequest[] = [];
  private failures: number[] = [];
  private drops: DropMode[] = [];
  private readonly parked = new Set<() => void>();

  constructor(private latencyMs: number) {}

  clearRequests(): void {
    this.requests.length = 0;
  }
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }
  failNext(count: number, status = 500): void {
    for (let i = 0; i < count; i += 1) this.failures.push(status);
  }
  dropNext(count: number, mode: DropMode = 'reset'): void {
    for (let i = 0; i < count; i += 1) this.drops.push(mode);
  }

  /** Settles requests parked by 'hang'/'reset' so the server can close. */
  releaseAll(): void {
    for (const release of this.parked) release();
    this.parked.clear();
  }

  middleware(failureResponse: FaultOptions['failureResponse']): MiddlewareHandler<FakeEnv> {
    return async (c, next) => {
      const rawBody = await readBody(c);
      c.set('rawBody', rawBody);
      this.requests.push(recordOf(c, rawBody));
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      const drop = this.drops.shift();
      if (drop) return this.park(c, drop);
      const status = this.failures.shift();
      if (status !== undefined) return failureResponse(c, status);
      await next();
      return undefined;
    };
  }

  private park(c: FakeContext, mode: DropMode): Promise<Response> {
    if (mode === 'reset') c.env.incoming.socket.destroy();
    return new Promise<Response>((resolve) => {
      this.parked.add(() => resolve(new Response(null, { status: 503 })));
    });
  }
}

async function readBody(c: FakeContext): Promise<string> {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return '';
  const bytes = Buffer.from(await c.req.raw.clone().arrayBuffer());
  const encoding = (c.req.header('content-encoding') ?? '').toLowerCase();
  try {
    if (encoding === 'gzip') return gunzipSync(bytes).toString('utf8');
    if (encoding === 'deflate') return inflateSync(bytes).toString('utf8');
  } catch {
    return '';
  }
  return bytes.toString('utf8');
}

function recordOf(c: FakeContext, body: string): RecordedRequest {
  const url = new URL(c.req.url);
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return {
    method: c.req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
    at: new Date(),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Serves `app` on 127.0.0.1 with an ephemeral port; `close` also ends parked and idle sockets. */
export async function listen(app: Hono<FakeEnv>, faults: FaultState): Promise<FakeHandle> {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server));
  });
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      faults.releaseAll();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close,
    get requests() {
      return faults.requests;
    },
    clearRequests: () => faults.clearRequests(),
    setLatency: (ms) => faults.setLatency(ms),
    failNext: (count, status) => faults.failNext(count, status),
    dropNext: (count, mode) => faults.dropNext(count, mode),
  };
}

/** Parses the raw body as JSON; undefined when it is empty or not JSON. */
export function jsonBody(c: FakeContext): unknown {
  const raw = c.get('rawBody');
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** A path parameter of the matched route ('' when absent). */
export function param(c: FakeContext, name: string): string {
  return c.req.param(name) ?? '';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
