import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { AppError } from '../../errors.js';
import { resolveChecked, type PolicyLists } from './outbound-policy.js';
import { isNetworkError, upstreamFailed, upstreamTimeout } from './upstream.js';

// Outbound HTTP for connectors: the policy-checked address is pinned through `lookup` (TLS still verifies
// the host name), one deadline covers connect and response, and the body is capped.
export interface HttpCall {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface HttpOptions {
  policy: PolicyLists;
  timeoutMs: number;
  /** What the error messages call the source, e.g. "InfluxDB". */
  what: string;
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

export async function httpCall(call: HttpCall, opts: HttpOptions): Promise<HttpResult> {
  let url: URL;
  try {
    url = new URL(call.url);
  } catch {
    throw new AppError('BAD_REQUEST', `Invalid URL for ${opts.what}`, { details: call.url });
  }
  const target = await resolveChecked(opts.policy, url.hostname);
  const lookup: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise<HttpResult>((resolve, reject) => {
    const req = client.request(url, { method: call.method, headers: call.headers, lookup, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) req.destroy(upstreamFailed(opts.what, `Response larger than ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => reject(err instanceof AppError ? err : upstreamFailed(opts.what, err.message, err)));
    });
    const timer = setTimeout(() => req.destroy(upstreamTimeout(opts.what, opts.timeoutMs)), opts.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => {
      if (err instanceof AppError) return reject(err);
      reject(upstreamFailed(opts.what, isNetworkError(err) ? err.message : `${err.name}: ${err.message}`, err));
    });
    req.end(call.body);
  });
}

/** Parses a JSON body or fails as the upstream's fault (502). */
export function jsonOf(res: HttpResult, what: string): unknown {
  try {
    return JSON.parse(res.text);
  } catch {
    throw upstreamFailed(what, `Answered ${res.status} with a body that is not JSON: ${res.text.slice(0, 200)}`);
  }
}

/** Maps an upstream error status: 400/404/422 are the request's fault (400), the rest the upstream's (502). */
export function checkStatus(res: HttpResult, what: string): void {
  if (res.status >= 200 && res.status < 300) return;
  const detail = `${what} answered ${res.status}: ${res.text.slice(0, 500)}`;
  if ([400, 404, 405, 422].includes(res.status)) throw new AppError('BAD_REQUEST', `${what} rejected the request`, { details: detail });
  throw upstreamFailed(what, detail);
}
