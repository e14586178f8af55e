// Fake EMQX 5 management API, only what the hub calls: kick a client out (docs/upstreams/sources.md, "EMQX
// management API"). The set of connected client ids stands in for the cluster's sessions.
import { createFakeApp, listen, param } from './shared/http-fake.js';
import type { FakeContext, FakeHandle } from './shared/http-fake.js';

export interface EmqxApiFakeOptions {
  apiKey?: string;
  secretKey?: string;
  /** Client ids connected at start. */
  clients?: string[];
}

export interface EmqxApiFake extends FakeHandle {
  /** Client ids the broker holds a session for. */
  readonly connected: ReadonlySet<string>;
  connect(clientId: string): void;
}

const apiError = (c: FakeContext, status: 401 | 404 | 500 | 503, code: string, message: string) => c.json({ code, message }, status);

export async function startEmqxApiFake(options: EmqxApiFakeOptions = {}): Promise<EmqxApiFake> {
  const apiKey = options.apiKey ?? 'prometheus-hub';
  const secretKey = options.secretKey ?? 'emqx-secret-key';
  const expected = `Basic ${Buffer.from(`${apiKey}:${secretKey}`).toString('base64')}`;
  const connected = new Set(options.clients ?? []);
  const { app, faults } = createFakeApp({
    failureResponse: (c, status) => apiError(c, status === 503 ? 503 : 500, 'INTERNAL_ERROR', 'injected failure'),
  });
  app.use('/api/v5/*', async (c, next) => {
    if (c.req.header('authorization') !== expected) return apiError(c, 401, 'BAD_API_KEY_OR_SECRET', 'Check api_key/api_secret');
    return next();
  });
  app.delete('/api/v5/clients/:clientid', (c) => {
    const id = decodeURIComponent(param(c, 'clientid'));
    if (!connected.delete(id)) return apiError(c, 404, 'CLIENTID_NOT_FOUND', 'Client ID not found');
    return c.body(null, 204);
  });
  const handle = await listen(app, faults);
  return Object.assign(handle, { connected, connect: (id: string) => void connected.add(id) });
}
