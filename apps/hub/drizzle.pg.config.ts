import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations, generated from the same schema as SQLite's (src/db/pg-schema.ts derives the tables).
// `npm run db:generate -- <name>` runs both configs; never one alone.
export default defineConfig({
  dialect: 'postgresql',
  schema: './drizzle-pg.schema.cjs',
  out: './drizzle-pg',
});
