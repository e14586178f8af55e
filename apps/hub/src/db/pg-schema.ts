import { getTableColumns, is, SQL } from 'drizzle-orm';
import {
  bigint, bigserial, boolean, doublePrecision, foreignKey, index, type PgColumnBuilderBase, pgTable, type PgTableWithColumns,
  primaryKey, text, unique, uniqueIndex,
} from 'drizzle-orm/pg-core';
import { getTableConfig, SQLiteTable, type SQLiteColumn } from 'drizzle-orm/sqlite-core';
import * as schema from './schema/index.js';

// The PostgreSQL twin of the schema in ./schema (the one source): the same tables, columns, keys and indexes,
// derived mechanically so a table is written once. drizzle-kit reads them (drizzle-pg.schema.cjs) for drizzle-pg/; at run
// time the repositories keep using the SQLite table objects on PostgreSQL too (see client.ts), so the stored
// forms must be what those columns write: times as epoch milliseconds (bigint), JSON as text, flags as booleans
// (PostgreSQL takes the 1/0 they send), every integer 64-bit as SQLite's are.

type AnyPgTable = PgTableWithColumns<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// The chain every pg column builder offers; the concrete builder types differ per column type.
interface ColumnChain extends PgColumnBuilderBase {
  notNull(): ColumnChain;
  default(value: unknown): ColumnChain;
  primaryKey(): ColumnChain;
  unique(name?: string): ColumnChain;
}

function pgColumn(col: SQLiteColumn): PgColumnBuilderBase {
  const json = col.columnType === 'SQLiteTextJson';
  let b: ColumnChain;
  switch (col.columnType) {
    case 'SQLiteText': case 'SQLiteTextJson': b = text(col.name) as unknown as ColumnChain; break;
    case 'SQLiteBoolean': b = boolean(col.name) as unknown as ColumnChain; break;
    case 'SQLiteReal': b = doublePrecision(col.name) as unknown as ColumnChain; break;
    case 'SQLiteInteger': case 'SQLiteTimestamp':
      b = ((col as unknown as { autoIncrement?: boolean }).autoIncrement
        ? bigserial(col.name, { mode: 'number' }) : bigint(col.name, { mode: 'number' })) as unknown as ColumnChain;
      break;
    default: throw new Error(`pg-schema: column ${col.name} has type ${col.columnType}, which has no PostgreSQL twin yet`);
  }
  if (col.notNull) b = b.notNull();
  if (col.default !== undefined) {
    const value: unknown = col.default;
    b = b.default(is(value, SQL) ? value : json ? JSON.stringify(value) : value);
  }
  if (col.primary) b = b.primaryKey();
  if (col.isUnique) b = b.unique(col.uniqueName);
  return b;
}

/** Builds the PostgreSQL twin of every SQLite table in `tables`, keyed as they are. */
export function derivePgTables<T extends Record<string, unknown>>(tables: T): Record<string, AnyPgTable> {
  const twins = new Map<SQLiteTable, AnyPgTable>();
  const out: Record<string, AnyPgTable> = {};
  const keyOf = (table: SQLiteTable, column: { name: string }) => {
    const entry = Object.entries(getTableColumns(table)).find(([, c]) => c.name === column.name);
    if (!entry) throw new Error(`pg-schema: ${column.name} is not a column of its table`);
    return entry[0];
  };
  for (const [exportName, table] of Object.entries(tables)) {
    if (!is(table, SQLiteTable)) continue;
    const config = getTableConfig(table);
    const columns = Object.fromEntries(Object.entries(getTableColumns(table)).map(([key, col]) => [key, pgColumn(col)]));
    const twin = pgTable(config.name, columns, (t) => {
      const pick = (c: { name: string }) => t[keyOf(table, c)];
      const cols = (list: { name: string }[]) => list.map(pick) as [any, ...any[]]; // eslint-disable-line @typescript-eslint/no-explicit-any
      return [
        ...config.indexes.map((ix) => {
          const on = ix.config.columns as SQLiteColumn[];
          const built = (ix.config.unique ? uniqueIndex : index)(ix.config.name).on(...cols(on));
          return ix.config.where ? built.where(ix.config.where) : built;
        }),
        ...config.primaryKeys.map((pk) => primaryKey({ columns: cols(pk.columns) })),
        ...config.uniqueConstraints.map((u) => unique(u.name).on(...cols(u.columns))),
        ...config.foreignKeys.map((fk) => {
          const ref = fk.reference();
          const target = twins.get(ref.foreignTable);
          if (!target) throw new Error(`pg-schema: ${config.name} references a table outside the schema`);
          const targetCols = ref.foreignColumns.map((c) => target[keyOf(ref.foreignTable, c)]);
          let built = foreignKey({ name: fk.getName(), columns: cols(ref.columns), foreignColumns: targetCols as [any, ...any[]] }); // eslint-disable-line @typescript-eslint/no-explicit-any
          if (fk.onDelete) built = built.onDelete(fk.onDelete);
          if (fk.onUpdate) built = built.onUpdate(fk.onUpdate);
          return built;
        }),
      ];
    });
    twins.set(table, twin);
    out[exportName] = twin;
  }
  return out;
}

export const pgTables = derivePgTables(schema);
