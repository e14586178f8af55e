import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseServerUrl } from './config.js';
import { createTestHub } from './test/harness.js';
import { onTestServer } from './test/pg.js';

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const octal = (m: number) => m.toString(8).padStart(3, '0');

/** Every directory and file under the data dir with its permission bits, as `path: mode`. */
function modesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': octal(mode(dir)) };
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = octal(mode(full));
  }
  return out;
}

/** The first mail in the outbox once its bytes are there (the file exists a moment before they are written). */
async function waitForFile(dir: string): Promise<string> {
  for (let i = 0; i < 400; i += 1) {
    const [name] = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    if (name && fs.statSync(path.join(dir, name)).size > 0) return path.join(dir, name);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing appeared in ${dir}`);
}

// Under a umask that lets everyone read everything, the hub's state is still private to its user:
// directories 0700, the database (with -wal and -shm), the mail outbox (reset tokens) and keys 0600.
describe('data dir permissions', () => {
  let previousUmask: number;
  let root: string;

  beforeAll(() => {
    previousUmask = process.umask(0o000);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-modes-'));
  });
  afterAll(() => {
    process.umask(previousUmask);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('creates the data dir, database, outbox mail and keys private to the hub user', async () => {
    const dataDir = path.join(root, 'fresh', 'state');
    const t = await createTestHub({ PROMETHEUS_DATA_DIR: dataDir });
    try {
      const res = await t.request('POST', '/api/v1/auth/forgot-password', { json: { email: 'admin@prometheus.local' } });
      expect(res.status).toBe(200);
      const mail = await waitForFile(path.join(dataDir, 'outbox'));
      expect(fs.readFileSync(mail, 'utf8')).toContain('reset');
      const modes = modesUnder(dataDir);
      // On a PostgreSQL test run the tables are on the server: no database file in the data dir.
      const store = t.hub.store.dialect === 'sqlite' ? ['prometheus.db', 'prometheus.db-wal', 'prometheus.db-shm'] : [];
      for (const file of [...store, path.relative(dataDir, mail)]) expect(modes[file], file).toBe('600');
      expect(Object.keys(modes).filter((p) => p.startsWith('keys/')).length).toBeGreaterThan(0);
      for (const [p, m] of Object.entries(modes)) expect(m, p).toBe(fs.statSync(path.join(dataDir, p)).isDirectory() ? '700' : '600');
    } finally {
      await t.close();
    }
  });

  it('tightens a data dir an earlier version left readable to others', async () => {
    const dataDir = path.join(root, 'old');
    const first = await createTestHub({ PROMETHEUS_DATA_DIR: dataDir });
    await first.request('POST', '/api/v1/auth/forgot-password', { json: { email: 'admin@prometheus.local' } });
    await waitForFile(path.join(dataDir, 'outbox'));
    await first.hub.stop();
    for (const p of Object.keys(modesUnder(dataDir))) {
      const full = path.join(dataDir, p);
      fs.chmodSync(full, fs.statSync(full).isDirectory() ? 0o777 : 0o666);
    }
    fs.writeFileSync(path.join(dataDir, 'prometheus.db-wal'), '');
    fs.chmodSync(path.join(dataDir, 'prometheus.db-wal'), 0o644);

    const again = await createTestHub({ PROMETHEUS_DATA_DIR: dataDir });
    try {
      const modes = modesUnder(dataDir);
      const open = Object.entries(modes).filter(([p, m]) => (Number.parseInt(m, 8) & 0o077) !== 0 && !p.startsWith('datasets/'));
      expect(open).toEqual([]);
      expect(modes['.']).toBe('700');
      if (again.hub.store.dialect === 'sqlite') expect(modes['prometheus.db']).toBe('600');
    } finally {
      await again.close();
    }
  });
});

// With DATABASE_URL every table is on the server: the data dir holds files only, and no empty SQLite database
// sits beside them for an operator (or a backup script) to mistake for the hub's state.
describe('a data dir of a hub on PostgreSQL', () => {
  const server = testDatabaseServerUrl() ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `prom_nodbfile_${process.pid}`;
  afterAll(() => onTestServer((c) => c.query(`drop schema if exists "${schema}" cascade`), server));

  it('holds no SQLite database file', async () => {
    await onTestServer((c) => c.query(`drop schema if exists "${schema}" cascade; create schema "${schema}"`), server);
    const url = new URL(server);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-pgdir-'));
    const dataDir = path.join(root, 'state');
    const t = await createTestHub({ PROMETHEUS_DATA_DIR: dataDir, DATABASE_URL: url.toString() });
    try {
      expect(t.hub.store.dialect).toBe('postgres');
      expect(fs.readdirSync(dataDir).filter((name) => name.startsWith('prometheus.db'))).toEqual([]);
      expect(fs.statSync(path.join(dataDir, 'keys')).isDirectory()).toBe(true);
    } finally {
      await t.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
