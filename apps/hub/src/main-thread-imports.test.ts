import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The idle hub's memory (bench/README.md, "Dataset upload throughput"): importing the hub must not load the
// heavy libraries that only some requests need. tfjs and onnxruntime run in worker threads; the connector
// drivers, Stripe, OpenAI and nodemailer load with their first use. A child process imports hub.ts and
// reports every package it resolved (ESM resolve hook) or loaded through require (CJS cache).
const script = `
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on('message', (url) => seen.add(url));
const hook = 'let port; export function initialize(d) { port = d.port; } '
  + 'export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }';
register('data:text/javascript,' + encodeURIComponent(hook), { data: { port: port2 }, transferList: [port2] });
await import('./src/hub.ts');
await new Promise((r) => setTimeout(r, 300));
const urls = [...seen, ...Object.keys(createRequire(import.meta.url).cache)];
console.log(JSON.stringify({ urls, tf: typeof globalThis._tfengine }));
process.exit(0);
`;

describe('hub main thread', () => {
  it('imports without tfjs, onnxruntime, connector drivers, Stripe, OpenAI or nodemailer', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    });
    const { urls, tf } = JSON.parse(out.trim().split('\n').at(-1)!) as { urls: string[]; tf: string };
    expect(tf).toBe('undefined');
    const packages = new Set(urls.filter((u) => u.includes('/node_modules/'))
      .map((u) => u.split('/node_modules/').at(-1)!.split('/')).map((p) => (p[0]!.startsWith('@') ? `${p[0]}/${p[1]}` : p[0]!)));
    expect(packages.has('@duckdb/node-api')).toBe(true); // the hook saw the hub's own dependencies
    for (const heavy of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', 'onnxruntime-node', 'onnxruntime-web', 'mongodb', 'pg', 'mysql2', 'stripe', 'openai', 'nodemailer']) {
      expect(packages.has(heavy), heavy).toBe(false);
    }
  });
});
