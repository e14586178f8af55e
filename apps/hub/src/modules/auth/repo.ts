import { and, desc, eq, gt, isNull, lt, ne } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { emailVerifications, passwordResets, sessions, users } from '../../db/schema/index.js';

export type SessionRow = typeof sessions.$inferSelect;
export type NewSessionRow = typeof sessions.$inferInsert;
export type VerificationRow = typeof emailVerifications.$inferSelect;

export function createAuthRepo(db: Db) {
  // Every authenticated request resolves its token here: one statement (session joined with its user).
  const sessionWithUser = (tokenHash: string) => db.select({
    session: { id: sessions.id, kind: sessions.kind, revokedAt: sessions.revokedAt, expiresAt: sessions.expiresAt },
    user: { id: users.id, username: users.username, email: users.email, role: users.role },
  }).from(sessions).innerJoin(users, eq(users.id, sessions.userId)).where(eq(sessions.tokenHash, tokenHash));

  return {
    async insertSession(row: NewSessionRow): Promise<void> {
      await db.insert(sessions).values(row);
    },
    async findSessionByHash(tokenHash: string): Promise<SessionRow | undefined> {
      return (await db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)))[0];
    },
    /** A token's session with the fields a request needs of its user (the user's row must exist). */
    async findSessionWithUser(tokenHash: string) {
      return (await sessionWithUser(tokenHash))[0];
    },
    /** The newest live MFA-pending login of a user. */
    async latestPendingMfa(userId: string, now: Date): Promise<SessionRow | undefined> {
      return (await db.select().from(sessions)
        .where(and(eq(sessions.userId, userId), eq(sessions.kind, 'mfa_pending'), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
        .orderBy(desc(sessions.createdAt)))[0];
    },
    async countFailedAttempt(id: string, attempts: number): Promise<void> {
      await db.update(sessions).set({ failedAttempts: attempts }).where(eq(sessions.id, id));
    },
    async revokeSession(id: string, at: Date): Promise<void> {
      await db.update(sessions).set({ revokedAt: at }).where(and(eq(sessions.id, id), isNull(sessions.revokedAt)));
    },
    /** Revokes every live session of a user, optionally sparing one. Returns how many. */
    async revokeUserSessions(userId: string, at: Date, exceptId?: string): Promise<number> {
      const live = and(eq(sessions.userId, userId), isNull(sessions.revokedAt));
      const where = exceptId ? and(live, ne(sessions.id, exceptId)) : live;
      return (await db.update(sessions).set({ revokedAt: at }).where(where).returning({ id: sessions.id })).length;
    },
    async deleteExpiredSessions(before: Date): Promise<number> {
      return (await db.delete(sessions).where(lt(sessions.expiresAt, before)).returning({ id: sessions.id })).length;
    },
    async putVerification(row: typeof emailVerifications.$inferInsert): Promise<void> {
      (await db.insert(emailVerifications).values(row)
        .onConflictDoUpdate({ target: emailVerifications.userId, set: { codeHash: row.codeHash, expiresAt: row.expiresAt, attempts: 0, createdAt: row.createdAt } })
        );
    },
    async findVerification(userId: string): Promise<VerificationRow | undefined> {
      return (await db.select().from(emailVerifications).where(eq(emailVerifications.userId, userId)))[0];
    },
    async setVerificationAttempts(userId: string, attempts: number): Promise<void> {
      await db.update(emailVerifications).set({ attempts }).where(eq(emailVerifications.userId, userId));
    },
    async deleteVerification(userId: string): Promise<void> {
      await db.delete(emailVerifications).where(eq(emailVerifications.userId, userId));
    },
    async insertReset(row: typeof passwordResets.$inferInsert): Promise<void> {
      await db.insert(passwordResets).values(row);
    },
    async findReset(tokenHash: string) {
      return (await db.select().from(passwordResets).where(eq(passwordResets.tokenHash, tokenHash)))[0];
    },
    /** Marks every open reset token of a user used, so one reset spends them all. */
    async useResets(userId: string, at: Date): Promise<void> {
      await db.update(passwordResets).set({ usedAt: at }).where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)));
    },
  };
}

export type AuthRepo = ReturnType<typeof createAuthRepo>;
