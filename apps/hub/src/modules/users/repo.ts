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
      return db.select().from(users).where(eq(users.id, id)).get();
    },
    async findByUsername(username: string): Promise<UserRow | undefined> {
      return db.select().from(users).where(eq(users.username, username)).get();
    },
    async findByEmail(email: string): Promise<UserRow | undefined> {
      return db.select().from(users).where(eq(users.email, email)).get();
    },
    /** Login accepts a username or an email address. */
    async findByLogin(login: string): Promise<UserRow | undefined> {
      return db.select().from(users).where(or(eq(users.username, login), eq(users.email, login.toLowerCase()))).get();
    },
    async count(): Promise<number> {
      return db.select({ n: count() }).from(users).get()?.n ?? 0;
    },
    /** The earliest admin still an admin: the account tier limits never stop (billing/limits.ts). */
    async firstAdminId(): Promise<string | undefined> {
      return db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).orderBy(asc(users.createdAt), asc(users.id)).limit(1).get()?.id;
    },
    async countAdmins(): Promise<number> {
      return db.select({ n: count() }).from(users).where(eq(users.role, 'admin')).get()?.n ?? 0;
    },
    /** A user and their subscription on the given tier, in one transaction. */
    async insertWithSubscription(user: NewUserRow, tier: SubscriptionRow['tier']): Promise<UserRow> {
      return db.transaction((tx) => {
        const row = tx.insert(users).values(user).returning().get();
        tx.insert(subscriptions).values({ userId: row.id, tier, createdAt: row.createdAt, updatedAt: row.createdAt }).run();
        return row;
      });
    },
    async update(id: string, patch: Partial<NewUserRow>): Promise<UserRow | undefined> {
      return db.update(users).set(patch).where(eq(users.id, id)).returning().get();
    },
    /** Deletes the user; accounts rows (sessions, MFA, preferences, subscription, codes) go by ON DELETE CASCADE. */
    async delete(id: string): Promise<boolean> {
      return db.delete(users).where(eq(users.id, id)).run().changes > 0;
    },
    async listWithTier(): Promise<UserWithTier[]> {
      const rows = db
        .select({ user: users, tier: sql<SubscriptionRow['tier']>`coalesce(${subscriptions.tier}, 'free')` })
        .from(users)
        .leftJoin(subscriptions, eq(subscriptions.userId, users.id))
        .orderBy(asc(users.createdAt))
        .all();
      return rows.map((r) => ({ ...r.user, tier: r.tier }));
    },
    async tierOf(userId: string): Promise<SubscriptionRow['tier']> {
      return db.select({ tier: subscriptions.tier }).from(subscriptions).where(eq(subscriptions.userId, userId)).get()?.tier ?? 'free';
    },
    async getPreferences(userId: string): Promise<Record<string, unknown> | undefined> {
      const row = db.select().from(userPreferences).where(eq(userPreferences.userId, userId)).get();
      return row?.preferences;
    },
    async putPreferences(userId: string, preferences: Record<string, unknown>, at: Date): Promise<void> {
      db.insert(userPreferences)
        .values({ userId, preferences, updatedAt: at })
        .onConflictDoUpdate({ target: userPreferences.userId, set: { preferences, updatedAt: at } })
        .run();
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
