import { integer } from 'drizzle-orm/sqlite-core';

// Shared column builders: times are epoch milliseconds (portable to PostgreSQL bigint/timestamptz).
export const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });
export const flag = (name: string) => integer(name, { mode: 'boolean' });
