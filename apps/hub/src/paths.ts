import fs from 'node:fs';
import path from 'node:path';

// Every disk path the hub uses, in one place, all under the data dir.
export interface HubPaths {
  dataDir: string;
  database: string;
  outbox: string;
  datasets: string;
  models: string;
  uploadsTmp: string;
  keys: string;
  /** Deployment packages: `<id>/model.onnx`, `manifest.json`, `manifest.sig`. */
  deployments: string;
}

/** Only the hub's own user may read its state: the outbox holds reset tokens, keys/ the signing keys. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export function hubPaths(dataDir: string): HubPaths {
  return {
    dataDir,
    database: path.join(dataDir, 'prometheus.db'),
    outbox: path.join(dataDir, 'outbox'),
    datasets: path.join(dataDir, 'datasets'),
    models: path.join(dataDir, 'models'),
    uploadsTmp: path.join(dataDir, 'tmp'),
    keys: path.join(dataDir, 'keys'),
    deployments: path.join(dataDir, 'deployments'),
  };
}

/**
 * Creates the data dir's folders private to the hub's user whatever the umask, and tightens what an
 * earlier version left readable. The database file is created 0600 before SQLite opens it: SQLite
 * gives its -wal and -shm files the mode of the database file; on PostgreSQL (`sqlite` false) there is none.
 */
export function ensureHubDirs(paths: HubPaths, store: { sqlite: boolean }): void {
  for (const dir of [paths.dataDir, paths.outbox, paths.datasets, paths.models, paths.uploadsTmp, paths.keys, paths.deployments]) {
    fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    fs.chmodSync(dir, PRIVATE_DIR_MODE);
  }
  if (store.sqlite) fs.closeSync(fs.openSync(paths.database, 'a', PRIVATE_FILE_MODE));
  const secrets = [paths.outbox, paths.keys].flatMap((dir) => fs.readdirSync(dir).map((name) => path.join(dir, name)));
  for (const file of [paths.database, `${paths.database}-wal`, `${paths.database}-shm`, ...secrets]) {
    try {
      if (fs.lstatSync(file).isFile()) fs.chmodSync(file, PRIVATE_FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
