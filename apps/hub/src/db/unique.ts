// A unique (or primary) key refused an insert or update. Services check before they write, but two requests or
// two replicas can both pass the check; the store's constraint then decides, and the loser gets this, the same
// on both dialects, instead of the driver's error. onError answers it 409; a service with its own wording for
// the conflict catches it.

export interface UniqueViolation {
  /** The table, when the driver names it. */
  table: string | undefined;
  /** The constrained columns (e.g. ['email']); empty when the driver does not name them. */
  columns: string[];
}

interface DriverError { code?: unknown; message?: unknown; detail?: unknown; table?: unknown; cause?: unknown }

const SQLITE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const PG_UNIQUE = '23505';

function fromSqlite(err: DriverError): UniqueViolation {
  // "UNIQUE constraint failed: users.email" (several columns: "t.a, t.b").
  const named = String(err.message).split('constraint failed: ')[1]?.split(',').map((s) => s.trim().split('.')) ?? [];
  return { table: named[0]?.[0], columns: named.map((parts) => parts[1] ?? '').filter(Boolean) };
}

function fromPostgres(err: DriverError): UniqueViolation {
  // detail: "Key (email)=(a@b.c) already exists." (several columns: "Key (a, b)=(...)").
  const key = /^Key \(([^)]*)\)=/.exec(typeof err.detail === 'string' ? err.detail : '')?.[1];
  return {
    table: typeof err.table === 'string' ? err.table : undefined,
    columns: key ? key.split(',').map((c) => c.trim().replace(/^"|"$/g, '')) : [],
  };
}

/** The unique violation behind `err` (drizzle wraps the driver's error in `cause`), or undefined. */
export function uniqueViolation(err: unknown): UniqueViolation | undefined {
  for (let e = err as DriverError | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as DriverError | undefined, depth++) {
    if (typeof e.code === 'string' && SQLITE_CODES.has(e.code)) return fromSqlite(e);
    if (e.code === PG_UNIQUE) return fromPostgres(e);
  }
  return undefined;
}
