import { pino } from 'pino';
import { createCluster } from '../cluster/cluster.js';

// A replica's cluster membership alone, in its own process, so a test can SIGKILL a leader.
// argv: <database url> <replica id>. Prints "leader" once it leads.
const [url, replicaId] = process.argv.slice(2) as [string, string];
const cluster = createCluster({ databaseUrl: url, replicaId, role: 'all', pollMs: 200, log: pino({ level: 'silent' }) });
cluster.leader.onChange((leader) => {
  if (leader) process.stdout.write('leader\n');
});
await cluster.start();
setInterval(() => undefined, 60_000);
