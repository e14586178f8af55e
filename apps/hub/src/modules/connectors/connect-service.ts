import type { ConnectRequest, DatasetDetail } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { PolicyService } from './policy-service.js';
import { writeRecordsCsv, type SourceRecord } from './rows.js';
import { readAegis } from './sources/aegis-bridge.js';
import type { SourceContext } from './sources/context.js';
import { readInflux } from './sources/influxdb.js';
import { readMongo } from './sources/mongodb.js';
import { readSpacetime } from './sources/spacetimedb.js';
import { readSql } from './sources/sql.js';
import { readSqlite } from './sources/sqlite.js';

// POST /datasets/connect: read rows from the source (policy-checked, timed, capped), write them as the
// hub's CSV, and hand the file to the datasets service's one create path (stats, tier checks and all).
export interface ConnectServiceDeps {
  datasets: DatasetsService;
  policy: PolicyService;
  clock: Clock;
  settings: { timeoutMs: number; rowCap: number; importDir: string };
}

const NAMES: Record<ConnectRequest['source_type'], string> = {
  aegis_bridge: 'Aegis-DB', influxdb: 'InfluxDB', postgresql: 'PostgreSQL', tidb: 'TiDB',
  sqlite: 'SQLite', mongodb: 'MongoDB', spacetimedb: 'SpacetimeDB',
};

async function readSource(req: ConnectRequest, ctx: SourceContext): Promise<SourceRecord[]> {
  switch (req.source_type) {
    case 'aegis_bridge': return readAegis(req, ctx);
    case 'influxdb': return readInflux(req, ctx);
    case 'postgresql':
    case 'tidb': return readSql(req, ctx);
    case 'sqlite': return readSqlite(req, ctx);
    case 'mongodb': return readMongo(req, ctx);
    case 'spacetimedb': return readSpacetime(req, ctx);
  }
}

export function createConnectService(deps: ConnectServiceDeps) {
  return {
    async connect(req: ConnectRequest, ownerId: string): Promise<DatasetDetail> {
      const ctx: SourceContext = { ...deps.settings, policy: await deps.policy.lists(), now: () => deps.clock.now() };
      const records = await readSource(req, ctx);
      const file = writeRecordsCsv(records, deps.datasets.tmpDir, NAMES[req.source_type]);
      return deps.datasets.createFromFile({
        file, ownerId, name: req.name, equipmentType: req.equipment_type, location: req.location, unit: req.unit, source: req.source_type,
      });
    },
  };
}

export type ConnectService = ReturnType<typeof createConnectService>;
