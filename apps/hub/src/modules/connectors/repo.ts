import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { outboundPolicy } from '../../db/schema/index.js';

export type OutboundPolicyRow = typeof outboundPolicy.$inferSelect;

export function createConnectorsRepo(db: Db) {
  return {
    async getPolicy(): Promise<OutboundPolicyRow | undefined> {
      return db.select().from(outboundPolicy).where(eq(outboundPolicy.id, 1)).get();
    },
    async putPolicy(row: Omit<OutboundPolicyRow, 'id'>): Promise<OutboundPolicyRow> {
      return db.insert(outboundPolicy).values({ id: 1, ...row })
        .onConflictDoUpdate({ target: outboundPolicy.id, set: row }).returning().get();
    },
  };
}

export type ConnectorsRepo = ReturnType<typeof createConnectorsRepo>;
