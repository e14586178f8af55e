// drizzle-kit reads the PostgreSQL tables from this file's exports: every twin db/pg-schema.ts derives from the
// one schema in src/db/schema, so a new table needs no edit here. (A CommonJS file because drizzle-kit loads the
// schema with require(); tsx compiles the TypeScript it imports.)
require('tsx/cjs');
module.exports = require('./src/db/pg-schema.ts').pgTables;
