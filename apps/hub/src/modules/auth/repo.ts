import { and, desc, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { emailVerifications, passwordResets, sessions, users } from '../../db/schema/index.js';

export type SessionRow = typeof sessions.$inferSelect;
export type NewSessionRow = typeof sessions.$inferInsert;
export type VerificationRow = typeof emailVerifications.$inferSelect;

export function createAuthRepo(db: Db) {
  // Every authenticated request resolves its token here: one statement (session joined with its user),
  // built and prepared once instead of per request.
  const sessionWithUser = db.select({
    session: { id: sessions.id, kind: sessions.kind, revokedAt: sessions.revokedAt, expiresAt: sessions.expiresAt },
    user: { id: users.id, username: users.username, email: users.email, role: users.role },
  }).from(sessions).innerJoin(users, eq(users.id, sessions.userId)).where(eq(sessions.tokenHash, sql.placeholder('tokenHash'))).prepare();

  return {
    async insertSession(row: NewSessionRow): Promise<void> {
      db.insert(sessions).values(row).run();
    },
    async findSessionByHash(tokenHash: string): Promise<SessionRow | undefined> {
      return db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)).get();
    },
    /** A token's session with the fields a request needs of its user (the user's row must exist). */
    async findSessionWithUser(tokenHash: string) {
      return sessionWithUser.get({ tokenHash });
    },
    /** The newest live MFA-pending login of a user. */
    async latestPendingMfa(userId: string, now: Date): Promise<SessionRow | undefined> {
      return db.select().from(sessions)
        .where(and(eq(sessions.userId, userId), eq(sessions.kind, 'mfa_pending'), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
        .orderBy(desc(sessions.createdAt)).get();
    },
    async countFailedAttempt(id: string, attempts: number): Promise<void> {
      db.update(sessions).set({ failedAttempts: attempts }).where(eq(sessions.id, id)).run();
    },
    async revokeSession(id: string, at: Date): Promise<void> {
      db.update(sessions).set({ revokedAt: at }).where(and(eq(sessions.id, id), isNull(sessions.revokedAt))).run();
    },
    /** Revokes every live session of a user, optionally sparing one. Returns how many. */
    async revokeUserSessions(userId: string, at: Date, exceptId?: string): Promise<number> {
      const live = and(eq(sessions.userId, userId), isNull(sessions.revokedAt));
      const where = exceptId ? and(live, ne(sessions.id, exceptId)) : live;
      return db.update(sessions).set({ revokedAt: at }).where(where).run().changes;
    },
    async deleteExpiredSessions(before: Date): Promise<number> {
      return db.delete(sessions).where(lt(sessions.expiresAt, before)).run().changes;
    },
    async putVerification(row: typeof emailVerifications.$inferInsert): Promise<void> {
      db.insert(emailVerifications).values(row)
        .onConflictDoUpdate({ target: emailVerifications.userId, set: { codeHash: row.codeHash, expiresAt: row.expiresAt, attempts: 0, createdAt: row.createdAt } })
        .run();
    },
    async findVerification(userId: string): Promise<VerificationRow | undefined> {
      return db.select().from(emailVerifications).where(eq(emailVerifications.userId, userId)).get();
    },
    async setVerificationAttempts(userId: string, attempts: number): Promise<void> {
      db.update(emailVerifications).set({ attempts }).where(eq(emailVerifications.userId, userId)).run();
    },
    async deleteVerification(userId: string): Promise<void> {
      db.delete(emailVerifications).where(eq(emailVerifications.userId, userId)).run();
    },
    async insertReset(row: typeof passwordResets.$inferInsert): Promise<void> {
      db.insert(passwordResets).values(row).run();
    },
    async findReset(tokenHash: string) {
      return db.select().from(passwordResets).where(eq(passwordResets.tokenHash, tokenHash)).get();
    },
    /** Marks every open reset token of a user used, so one reset spends them all. */
    async useResets(userId: string, at: Date): Promise<void> {
      db.update(passwordResets).set({ usedAt: at }).where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt))).run();
    },
  };
}

export type AuthRepo = ReturnType<typeof createAuthRepo>;
