import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { conversationMessages, conversations } from '../../db/schema/index.js';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof conversationMessages.$inferSelect;
export type NewMessageRow = typeof conversationMessages.$inferInsert;

export function createAgentRepo(db: Db) {
  return {
    async findConversation(id: string, userId: string): Promise<ConversationRow | undefined> {
      return (await db.select().from(conversations).where(and(eq(conversations.id, id), eq(conversations.userId, userId))))[0];
    },
    /** Opens the conversation when new and appends the exchange, in one transaction. */
    async append(conversation: { id: string; userId: string; isNew: boolean }, messages: NewMessageRow[], now: Date): Promise<void> {
      await db.transaction(async (tx) => {
        if (conversation.isNew) (await tx.insert(conversations).values({ id: conversation.id, userId: conversation.userId, createdAt: now, updatedAt: now }));
        else (await tx.update(conversations).set({ updatedAt: now }).where(eq(conversations.id, conversation.id)));
        await tx.insert(conversationMessages).values(messages);
      });
    },
    /** The last `limit` messages of a conversation, oldest first. */
    async recentMessages(conversationId: string, limit: number): Promise<MessageRow[]> {
      const rows = (await db.select().from(conversationMessages).where(eq(conversationMessages.conversationId, conversationId))
        .orderBy(desc(conversationMessages.id)).limit(limit));
      return rows.reverse();
    },
    /** A user's conversations, most recently active first, each with its messages in order. */
    async history(userId: string): Promise<(ConversationRow & { messages: MessageRow[] })[]> {
      const convs = (await db.select().from(conversations).where(eq(conversations.userId, userId)).orderBy(desc(conversations.updatedAt), desc(conversations.createdAt)));
      if (convs.length === 0) return [];
      const messages = (await db.select().from(conversationMessages)
        .where(inArray(conversationMessages.conversationId, convs.map((c) => c.id))).orderBy(asc(conversationMessages.id)));
      return convs.map((c) => ({ ...c, messages: messages.filter((m) => m.conversationId === c.id) }));
    },
  };
}

export type AgentRepo = ReturnType<typeof createAgentRepo>;
