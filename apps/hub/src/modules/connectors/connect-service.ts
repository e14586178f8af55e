import type { ConnectRequest, ConnectResponse } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
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
  log: Logger;
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
    async connect(req: ConnectRequest, ownerId: string): Promise<ConnectResponse> {
      const { rowCap } = deps.settings;
      const what = NAMES[req.source_type];
      const ctx: SourceContext = { ...deps.settings, policy: await deps.policy.lists(), now: () => deps.clock.now() };
      const read = await readSource(req, ctx);
      // Readers bring one row past the cap when the source has more: the import keeps the cap and says so.
      const truncated = read.length > rowCap;
      const file = writeRecordsCsv(truncated ? read.slice(0, rowCap) : read, deps.datasets.tmpDir, what);
      const dataset = await deps.datasets.createFromFile({
        file, ownerId, name: req.name, equipmentType: req.equipment_type, location: req.location, unit: req.unit, source: req.source_type,
      });
      if (!truncated) return { ...dataset, truncated, warnings: [] };
      deps.log.warn({ datasetId: dataset.id, source: req.source_type, rowCap }, 'connector import cut at the row cap');
      const warning = `${what} has more than ${rowCap} rows for this request: only the first ${rowCap} were imported `
        + '(the hub\'s CONNECTOR_ROW_CAP). Narrow the query or time range to import the rest.';
      return { ...dataset, truncated, warnings: [warning] };
    },
  };
}

export type ConnectService = ReturnType<typeof createConnectService>;
