import { asc, count, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { subscriptions, userPreferences, users } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
export type SubscriptionRow = typeof subscriptions.$inferSelect;

export interface UserWithTier extends UserRow {
  tier: SubscriptionRow['tier'];
}

export function createUsersRepo(db: Db) {
  return {
    async findById(id: string): Promise<UserRow | undefined> {
      return (await db.select().from(users).where(eq(users.id, id)))[0];
    },
    async findByUsername(username: string): Promise<UserRow | undefined> {
      return (await db.select().from(users).where(eq(users.username, username)))[0];
    },
    async findByEmail(email: string): Promise<UserRow | undefined> {
      return (await db.select().from(users).where(eq(users.email, email)))[0];
    },
    /** Login accepts a username or an email address. */
    async findByLogin(login: string): Promise<UserRow | undefined> {
      return (await db.select().from(users).where(or(eq(users.username, login), eq(users.email, login.toLowerCase()))))[0];
    },
    async count(): Promise<number> {
      return (await db.select({ n: count() }).from(users))[0]?.n ?? 0;
    },
    /** The earliest admin still an admin: the account tier limits never stop (billing/limits.ts). */
    async firstAdminId(): Promise<string | undefined> {
      return (await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).orderBy(asc(users.createdAt), asc(users.id)).limit(1))[0]?.id;
    },
    async countAdmins(): Promise<number> {
      return (await db.select({ n: count() }).from(users).where(eq(users.role, 'admin')))[0]?.n ?? 0;
    },
    /** A user and their subscription on the given tier, in one transaction. */
    async insertWithSubscription(user: NewUserRow, tier: SubscriptionRow['tier']): Promise<UserRow> {
      return db.transaction(async (tx) => {
        const row = (await tx.insert(users).values(user).returning())[0]!;
        await tx.insert(subscriptions).values({ userId: row.id, tier, createdAt: row.createdAt, updatedAt: row.createdAt });
        return row;
      });
    },
    async update(id: string, patch: Partial<NewUserRow>): Promise<UserRow | undefined> {
      return (await db.update(users).set(patch).where(eq(users.id, id)).returning())[0];
    },
    /** Deletes the user; accounts rows (sessions, MFA, preferences, subscription, codes) go by ON DELETE CASCADE. */
    async delete(id: string): Promise<boolean> {
      return (await db.delete(users).where(eq(users.id, id)).returning({ id: users.id })).length > 0;
    },
    async listWithTier(): Promise<UserWithTier[]> {
      const rows = await db
        .select({ user: users, tier: sql<SubscriptionRow['tier']>`coalesce(${subscriptions.tier}, 'free')` })
        .from(users)
        .leftJoin(subscriptions, eq(subscriptions.userId, users.id))
        .orderBy(asc(users.createdAt), asc(users.id));
      return rows.map((r) => ({ ...r.user, tier: r.tier }));
    },
    async tierOf(userId: string): Promise<SubscriptionRow['tier']> {
      return (await db.select({ tier: subscriptions.tier }).from(subscriptions).where(eq(subscriptions.userId, userId)))[0]?.tier ?? 'free';
    },
    async getPreferences(userId: string): Promise<Record<string, unknown> | undefined> {
      const row = (await db.select().from(userPreferences).where(eq(userPreferences.userId, userId)))[0];
      return row?.preferences;
    },
    async putPreferences(userId: string, preferences: Record<string, unknown>, at: Date): Promise<void> {
      (await db.insert(userPreferences)
        .values({ userId, preferences, updatedAt: at })
        .onConflictDoUpdate({ target: userPreferences.userId, set: { preferences, updatedAt: at } })
        );
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
