import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerType } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import type { HubEnv } from './context.js';

// Node refuses a request whose headers together pass `http.maxHeaderSize` (16 KB) before the app sees it;
// within that, an Authorization header is the one the hub works on before knowing who asks (hashing, a
// lookup), and a bearer token is 43 characters, so anything past a few KB is refused at once.
export const MAX_AUTHORIZATION_BYTES = 4096;

export function authorizationLimit(): MiddlewareHandler<HubEnv> {
  return async function authorizationLimit(c, next) {
    const value = c.req.header('authorization');
    if (value !== undefined && Buffer.byteLength(value) > MAX_AUTHORIZATION_BYTES) {
      throw new AppError('HEADERS_TOO_LARGE', 'Authorization header too large', {
        details: `At most ${MAX_AUTHORIZATION_BYTES} bytes (a bearer token is 43 characters)`,
      });
    }
    await next();
  };
}

const REFUSALS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'PAYLOAD_TOO_LARGE'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'BAD_REQUEST'],
};

/** Node's own refusals (headers over its limit, malformed requests) answered in the contract's error body, not bare. */
export function answerClientErrors(server: ServerType): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, code] = REFUSALS[err.code ?? ''] ?? [400, 'Bad Request', 'BAD_REQUEST'];
    const details = status === 431 ? `All request headers together may take at most ${http.maxHeaderSize} bytes` : err.message;
    const body = JSON.stringify({ error: reason, code, details });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}
