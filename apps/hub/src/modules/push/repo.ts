import { asc, eq, inArray, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { pushTickets, pushTokens } from '../../db/schema/index.js';

export type PushTokenRow = typeof pushTokens.$inferSelect;

export function createPushRepo(db: Db) {
  return {
    /** A token registered again (same device) is refreshed; registered by another user, it moves to them. */
    async upsertToken(row: { token: string; userId: string; platform: PushTokenRow['platform']; deviceName: string | null; now: Date }): Promise<void> {
      const { now, ...values } = row;
      (await db.insert(pushTokens).values({ ...values, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: pushTokens.token, set: { userId: row.userId, platform: row.platform, deviceName: row.deviceName, updatedAt: now } })
        );
    },
    async tokensOf(userId: string): Promise<string[]> {
      return (await db.select({ token: pushTokens.token }).from(pushTokens).where(eq(pushTokens.userId, userId))).map((r) => r.token);
    },
    /** Forgets dead tokens; their pending tickets go with them (ON DELETE CASCADE). */
    async deleteTokens(tokens: string[]): Promise<number> {
      if (tokens.length === 0) return 0;
      return (await db.delete(pushTokens).where(inArray(pushTokens.token, tokens)).returning({ token: pushTokens.token })).length;
    },
    async insertTickets(rows: { id: string; token: string; sentAt: Date }[]): Promise<void> {
      if (rows.length > 0) (await db.insert(pushTickets).values(rows).onConflictDoNothing());
    },
    /** Tickets sent at or before `before`, oldest first: their receipts should be ready. */
    async dueTickets(before: Date, limit: number): Promise<{ id: string; token: string; sentAt: Date }[]> {
      return (await db.select().from(pushTickets).where(lte(pushTickets.sentAt, before)).orderBy(asc(pushTickets.sentAt)).limit(limit));
    },
    async deleteTickets(ids: string[]): Promise<void> {
      if (ids.length > 0) (await db.delete(pushTickets).where(inArray(pushTickets.id, ids)));
    },
  };
}

export type PushRepo = ReturnType<typeof createPushRepo>;
