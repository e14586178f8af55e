// Child process of the sqlite source (sqlite.ts forks it): better-sqlite3 is synchronous and a running SQLite
// statement ignores a worker thread's termination, so a long query gets a process the hub can kill at its
// timeout. Plain JS on purpose: it needs no TypeScript loader. Answers { rows } or { error: { kind, message } }.
import Database from 'better-sqlite3';

function run({ file, query, maxRows }) {
  let db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('query_only = ON');
  } catch (err) {
    return { error: { kind: 'not_sqlite', message: err.message } };
  }
  try {
    const stmt = db.prepare(query);
    if (!stmt.reader) return { error: { kind: 'not_reader', message: 'Use a SELECT statement' } };
    const rows = [];
    for (const row of stmt.iterate()) {
      rows.push(row);
      if (rows.length >= maxRows) break;
    }
    return { rows };
  } catch (err) {
    return { error: { kind: 'rejected', message: err.message } };
  } finally {
    db.close();
  }
}

process.once('message', (job) => {
  process.send(run(job), () => process.disconnect());
});
