// The connect form's fields for each of the seven source types (docs/api.md, POST /datasets/connect).
export type SourceType = 'aegis_bridge' | 'influxdb' | 'postgresql' | 'tidb' | 'sqlite' | 'mongodb' | 'spacetimedb';

export interface SourceField {
  name: string;
  label: string;
  kind?: 'text' | 'number' | 'password' | 'textarea' | 'datetime' | 'json';
  required?: boolean;
  placeholder?: string;
  hint?: string;
}

const timeRange: SourceField[] = [
  { name: 'start', label: 'From (optional)', kind: 'datetime' },
  { name: 'end', label: 'To (optional)', kind: 'datetime' },
];
const sql = (dialect: string, example: string): SourceField[] => [
  { name: 'connection_string', label: 'Connection string', placeholder: example, hint: `Either this or a REST API URL.` },
  { name: 'api_url', label: 'REST API URL', placeholder: 'https://host/api/rows', hint: 'Alternative: an endpoint returning JSON rows.' },
  { name: 'query', label: `${dialect} query`, kind: 'textarea', required: true, placeholder: 'SELECT * FROM sensor_readings' },
];

export const SOURCES: Record<SourceType, { label: string; blurb: string; fields: SourceField[] }> = {
  aegis_bridge: {
    label: 'Aegis controller (AegisControlBridge)', blurb: "Pull readings straight from an edge controller's Aegis-DB.",
    fields: [
      { name: 'controller_ip', label: 'Controller address', required: true, placeholder: '100.124.76.93', hint: 'Tailscale or LAN address.' },
      { name: 'aegis_port', label: 'Aegis-DB port', kind: 'number', placeholder: '9090' },
      { name: 'collection', label: 'Collection', placeholder: 'hardware_metrics' },
      { name: 'auth_token', label: 'Bearer token (newer Aegis-DB)', kind: 'password' },
      ...timeRange,
    ],
  },
  influxdb: {
    label: 'InfluxDB v3', blurb: 'Query a measurement through the SQL API.',
    fields: [
      { name: 'url', label: 'InfluxDB URL', required: true, placeholder: 'http://influxdb-host:8086' },
      { name: 'database', label: 'Database', required: true, placeholder: 'building_sensors' },
      { name: 'measurement', label: 'Measurement', required: true, placeholder: 'ahu_readings' },
      { name: 'token', label: 'Token (optional)', kind: 'password' },
      ...timeRange,
    ],
  },
  postgresql: { label: 'PostgreSQL', blurb: 'Run a read-only query.', fields: sql('SQL', 'postgresql://user:pass@host:5432/dbname') },
  tidb: { label: 'TiDB / MySQL', blurb: 'Run a read-only query.', fields: sql('SQL', 'mysql://user:pass@tidb-host:4000/dbname') },
  sqlite: {
    label: 'SQLite file', blurb: 'A database file on the hub machine.',
    fields: [
      { name: 'connection_string', label: 'Path to the file', required: true, placeholder: '/path/to/database.db' },
      { name: 'query', label: 'SQL query', kind: 'textarea', required: true, placeholder: 'SELECT * FROM readings' },
    ],
  },
  mongodb: {
    label: 'MongoDB', blurb: 'The Data API (URL and key) or a connection string.',
    fields: [
      { name: 'api_url', label: 'Data API URL', placeholder: 'https://data.mongodb-api.com/app/…/endpoint/data/v1' },
      { name: 'api_key', label: 'Data API key', kind: 'password' },
      { name: 'connection_string', label: 'Or connection string', placeholder: 'mongodb://host:27017' },
      { name: 'database', label: 'Database', required: true, placeholder: 'building_data' },
      { name: 'mongodb_collection', label: 'Collection', required: true, placeholder: 'sensor_readings' },
      { name: 'filter', label: 'Filter (JSON, optional)', kind: 'json', placeholder: '{"location": "Warren"}' },
    ],
  },
  spacetimedb: {
    label: 'SpaceTimeDB', blurb: 'Query through the SQL endpoint.',
    fields: [
      { name: 'api_url', label: 'SpaceTimeDB URL', required: true, placeholder: 'https://spacetimedb.example.com' },
      { name: 'database', label: 'Database', required: true, placeholder: 'building_sensors' },
      { name: 'query', label: 'SQL query', kind: 'textarea', required: true, placeholder: 'SELECT * FROM temperature_readings' },
      { name: 'auth_token', label: 'Bearer token (optional)', kind: 'password' },
    ],
  },
};

/** The request body from the form's strings: numbers parsed, the time range assembled, the filter read as JSON. */
export function connectBody(type: SourceType, v: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = { source_type: type };
  for (const f of ['name', 'equipment_type', 'location', 'unit']) if (v[f]) body[f] = v[f];
  for (const f of SOURCES[type].fields) {
    const raw = v[f.name];
    if (raw === undefined || f.name === 'start' || f.name === 'end') continue;
    if (f.kind === 'number') body[f.name] = Number(raw);
    else if (f.kind === 'json') {
      try {
        body[f.name] = JSON.parse(raw);
      } catch {
        throw new Error(`${f.label}: this is not valid JSON.`);
      }
    } else body[f.name] = raw;
  }
  if (v.start || v.end) {
    if (!v.start || !v.end) throw new Error('Give both ends of the time range, or neither.');
    body.time_range = { start: new Date(v.start).toISOString(), end: new Date(v.end).toISOString() };
  }
  return body;
}

/** Where the hub was asked to connect, named in a failure ("could not reach the database at …"). */
export function sourceAddress(v: Record<string, string>): string {
  const raw = v.controller_ip ? `${v.controller_ip}:${v.aegis_port ?? 9090}` : v.url ?? v.api_url ?? v.connection_string ?? '';
  try {
    const u = new URL(raw);
    return u.host || raw;
  } catch {
    return raw || 'the given address';
  }
}
