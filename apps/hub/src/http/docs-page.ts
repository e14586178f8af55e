import type { AnyRoute } from './route.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A readable API reference rendered on the server from the OpenAPI document: no scripts, no CDN. */
export function renderDocsPage(routes: AnyRoute[], openapi: Record<string, unknown>): string {
  const paths = openapi.paths as Record<string, Record<string, Record<string, unknown>>>;
  const tags = [...new Set(routes.map((r) => r.tag))];
  const sections = tags.map((tag) => {
    const items = routes.filter((r) => r.tag === tag).map((r) => {
      const op = paths[r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[r.method] ?? {};
      const body = op.requestBody ? `<details><summary>Request body</summary><pre>${escape(JSON.stringify(op.requestBody, null, 2))}</pre></details>` : '';
      const responses = `<details><summary>Responses</summary><pre>${escape(JSON.stringify(op.responses, null, 2))}</pre></details>`;
      const access = r.permission === 'public' ? 'public' : `bearer token, permission <code>${r.permission}</code>`;
      return `<article><h3><span class="m ${r.method}">${r.method.toUpperCase()}</span> <code>${escape(r.path)}</code></h3>` +
        `<p>${escape(r.summary)}</p>${r.description ? `<p>${escape(r.description)}</p>` : ''}<p class="a">Access: ${access}</p>${body}${responses}</article>`;
    });
    return `<section><h2 id="${escape(tag)}">${escape(tag)}</h2>${items.join('')}</section>`;
  });
  const toc = tags.map((t) => `<a href="#${escape(t)}">${escape(t)}</a>`).join(' · ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Prometheus API reference</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b2430}
code,pre{font:13px ui-monospace,monospace}pre{background:#f4f6f8;padding:.75rem;overflow:auto}
article{border-top:1px solid #dde3ea;padding:.5rem 0}.m{font-weight:700;padding:0 .4rem;border-radius:3px;color:#fff}
.get{background:#2f7d32}.post{background:#1565c0}.put{background:#8e6c00}.patch{background:#6a1b9a}.delete{background:#b71c1c}.a{color:#5a6675}
</style></head><body><h1>Prometheus API reference</h1><p>Version ${escape(String((openapi.info as { version: string }).version))}.
Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. All errors are <code>{error, code, details}</code>.</p>
<nav>${toc}</nav>${sections.join('')}</body></html>`;
}
