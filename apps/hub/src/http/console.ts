import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, Hono, Next } from 'hono';
import type { HubEnv } from './context.js';

// The admin console (apps/hub/web, a Vite build in web/dist) served at `/`: hashed assets cached for a
// year, every other page path answered with index.html (the console routes in the browser). API, WebSocket,
// health and MQTT paths never fall back to the page: they keep their JSON 404.
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const NEVER_PAGE = /^\/(api|ws|health|mqtt)(\/|$)/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
  "connect-src 'self'", "font-src 'self'",
  // mqtt.js runs its keepalive timers in a worker made from a blob, so background tabs keep their session.
  "worker-src 'self' blob:", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

export interface ConsoleOptions {
  /** The built console; default apps/hub/web/dist. */
  dir?: string;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Prometheus: console not built</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:640px;margin:10vh auto;padding:0 16px;background:#0b1220;color:#e6edf7}code{background:#16223a;padding:2px 6px;border-radius:4px}a{color:#6cc4ff}</style></head>
<body><h1>The console is not built yet</h1><p>The hub is running and its API answers at <a href="/api/docs">/api/docs</a>, but the web console has not been built.</p>
<p>Build it with <code>npm run build</code> (from the repository root), or restart the hub with <code>npm start</code>, which builds it first.</p></body></html>`;

function page(c: Context<HubEnv>, dir: string): Response {
  const index = path.join(dir, 'index.html');
  let html: string;
  try {
    html = fs.readFileSync(index, 'utf8');
  } catch {
    return c.html(NOT_BUILT, 503, { 'cache-control': 'no-store' });
  }
  return c.html(html, 200, { 'cache-control': 'no-cache', 'content-security-policy': CSP });
}

export function mountConsole(app: Hono<HubEnv>, options: ConsoleOptions = {}): void {
  const dir = options.dir ?? DEFAULT_CONSOLE_DIR;
  // Created on first use: serveStatic complains at creation when the console is not built yet.
  let assets: ReturnType<typeof serveStatic<HubEnv>> | undefined;
  const handler = async (c: Context<HubEnv>, next: Next) => {
    const p = c.req.path;
    if (NEVER_PAGE.test(p) || /\/\./.test(p)) return next();
    if (p !== '/' && p !== '/index.html') {
      assets ??= fs.existsSync(dir) ? serveStatic<HubEnv>({ root: dir }) : undefined;
      const res = assets ? await assets(c, async () => undefined) : undefined;
      if (res) {
        res.headers.set('cache-control', p.startsWith('/assets/') ? IMMUTABLE : 'public, max-age=300');
        return res;
      }
      // A missing hashed asset is a 404, never the page (a stale tab would run HTML as a script).
      if (p.startsWith('/assets/') || /\.[a-z0-9]{1,5}$/i.test(p)) return next();
    }
    return page(c, dir);
  };
  app.get('*', handler);
}
