import type { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../logger.js';
import type { HubEnv } from './context.js';
import { renderDocsPage } from './docs-page.js';
import { errorResponse, notFoundResponse } from './errors-http.js';
import { authorizationLimit } from './header-limits.js';
import { mountRoutes, type MountOptions } from './mount.js';
import { buildOpenApi } from './openapi.js';
import type { AnyRoute } from './route.js';

export interface AppOptions extends MountOptions {
  log: Logger;
  version: string;
}

/** The hub's HTTP surface: middleware, the route table, the API reference, one error mapping. */
export function createApp(app: Hono<HubEnv>, routes: AnyRoute[], opts: AppOptions): Hono<HubEnv> {
  app.use('*', requestId());
  app.use('*', secureHeaders({ crossOriginResourcePolicy: 'same-origin' }));
  app.use('*', async (c, next) => {
    const started = performance.now();
    const log = opts.log.child({ requestId: c.get('requestId') });
    c.set('log', log);
    await next();
    const ms = Math.round(performance.now() - started);
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms, user: c.get('user')?.id }, 'request');
  });
  app.use('*', authorizationLimit());

  mountRoutes(app, routes, opts);

  const openapi = buildOpenApi(routes, opts.version);
  const docs = renderDocsPage(routes, openapi);
  app.get('/api/v1/openapi.json', (c) => c.json(openapi));
  app.get('/api/docs', (c) => c.html(docs));

  app.onError((err, c) => errorResponse(err, c));
  app.notFound((c) => notFoundResponse(c));
  return app;
}
