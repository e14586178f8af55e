import http from 'node:http';
import https from 'node:https';

// The agent's HTTP requests (Aegis-DB pages, the hardware daemon's snapshot, enrollment) go through node:http,
// not fetch: on the controller fetch brings undici and its llhttp wasm, which cost ~40 MB in the armv7
// executable (a poll every 300 ms under qemu-arm: 137 MB with fetch, 96 MB with node:http). The agent only
// sends small JSON requests and reads bounded JSON answers.

export interface HttpAnswer {
  status: number;
  ok: boolean;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Answers larger than this are an error, not a memory spike (default 64 MiB). */
  maxBytes?: number;
}

export class HttpError extends Error {
  override readonly name = 'HttpError';
}

/** One request; rejects on a network error, a timeout (the whole exchange) or an oversized answer. */
export function httpRequest(url: string, opts: HttpOptions): Promise<HttpAnswer> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new HttpError(`${url}: only http and https URLs are supported`));
  const client = target.protocol === 'https:' ? https : http;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const what = `${opts.method ?? 'GET'} ${target.origin}${target.pathname}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const headers = { ...opts.headers, ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) };
    const req = client.request(target, { method: opts.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) fail(new HttpError(`${what}: answer larger than ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, text: async () => body, json: async () => JSON.parse(body) as unknown });
      });
    });
    const timer = setTimeout(() => fail(new HttpError(`${what} timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', fail);
    req.end(opts.body);
  });
}
