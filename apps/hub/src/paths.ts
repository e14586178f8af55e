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

export function ensureHubDirs(paths: HubPaths): void {
  for (const dir of [paths.dataDir, paths.outbox, paths.datasets, paths.models, paths.uploadsTmp, paths.keys, paths.deployments]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  fs.chmodSync(paths.keys, 0o700);
}
