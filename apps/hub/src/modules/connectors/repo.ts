import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { outboundPolicy } from '../../db/schema/index.js';

export type OutboundPolicyRow = typeof outboundPolicy.$inferSelect;

export function createConnectorsRepo(db: Db) {
  return {
    async getPolicy(): Promise<OutboundPolicyRow | undefined> {
      return (await db.select().from(outboundPolicy).where(eq(outboundPolicy.id, 1)))[0];
    },
    async putPolicy(row: Omit<OutboundPolicyRow, 'id'>): Promise<OutboundPolicyRow> {
      return (await db.insert(outboundPolicy).values({ id: 1, ...row })
        .onConflictDoUpdate({ target: outboundPolicy.id, set: row }).returning())[0]!;
    },
  };
}

export type ConnectorsRepo = ReturnType<typeof createConnectorsRepo>;
