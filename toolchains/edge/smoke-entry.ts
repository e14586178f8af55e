// Smoke entry for the edge executables: better-sqlite3 (WAL, round trip across connections) and a tiny
// ONNX model through onnxruntime-web's wasm build, using sea-runtime.ts exactly as the edge agent will.
// Prints one JSON line; test/edge-armv7-build.test.ts checks it. Builds for any arch (`--arch`); also runs under plain Node (tsx).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import Database from 'better-sqlite3';
import * as ort from 'onnxruntime-web/wasm';
import { betterSqlite3Options, configureOnnxWasm, isSea, onnxWasmPath } from '@prometheus/edge-agent/sea-runtime';
import { GEMM_INPUT, gemmModel } from './tiny-model.js';

interface Reading {
  id: number;
  sensor: string;
  value: number;
}

function sqliteRoundTrip() {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-edge-smoke-'));
  try {
    const file = join(dir, 'smoke.db');
    const writer = new Database(file, betterSqlite3Options());
    const journalMode = writer.pragma('journal_mode = WAL', { simple: true }) as string;
    writer.exec('CREATE TABLE reading (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, value REAL NOT NULL)');
    const { lastInsertRowid } = writer.prepare('INSERT INTO reading (sensor, value) VALUES (?, ?)').run('ahu-1/supply-air-temp', 12.5);
    const walFile = existsSync(`${file}-wal`);
    // A second connection reads the row while the writer still holds the WAL: the round trip goes through the file.
    const reader = new Database(file, betterSqlite3Options({ readonly: true }));
    const row = reader.prepare('SELECT id, sensor, value FROM reading WHERE id = ?').get(lastInsertRowid) as Reading | undefined;
    const { version } = reader.prepare('SELECT sqlite_version() AS version').get() as { version: string };
    reader.close();
    writer.close();
    return { journalMode, walFile, row, sqliteVersion: version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onnxGemm() {
  configureOnnxWasm(ort.env);
  const started = performance.now();
  const session = await ort.InferenceSession.create(gemmModel());
  const created = performance.now();
  const outputs = await session.run({ x: new ort.Tensor('float32', Float32Array.from(GEMM_INPUT), [1, 3]) });
  const ran = performance.now();
  const y = outputs.y;
  if (!y) throw new Error('model produced no output y');
  await session.release();
  return {
    wasm: onnxWasmPath(),
    output: Array.from(y.data as Float32Array),
    dims: [...y.dims],
    sessionMs: Math.round(created - started),
    runMs: Math.round(ran - created),
  };
}

/** How the bundle answers the imports @prometheus/ml/inference makes: onnxruntime-node, then onnxruntime-web. */
async function onnxImports() {
  const node = await import('onnxruntime-node').then(() => 'loaded', (error: NodeJS.ErrnoException) => error.code ?? error.message);
  const web = await import('onnxruntime-web');
  return { onnxruntimeNode: node, onnxruntimeWebIsWasmBuild: web.InferenceSession === ort.InferenceSession };
}

/** The young generation after ~32 MB of short-lived allocations: the prelude keeps it from growing. */
function youngGeneration() {
  let keep: number[][] = [];
  for (let i = 0; i < 400_000; i++) {
    keep.push([i, i + 1, i + 2]);
    if (keep.length > 5_000) keep = [];
  }
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return { newSpaceBytes: space?.space_size ?? -1, kept: keep.length };
}

async function main(): Promise<void> {
  const report = {
    node: process.version,
    arch: process.arch,
    sea: isSea(),
    sqlite: sqliteRoundTrip(),
    onnx: await onnxGemm(),
    imports: await onnxImports(),
    youngGeneration: youngGeneration(),
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`smoke failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
