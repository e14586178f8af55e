import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { conversationMessages, conversations } from '../../db/schema/index.js';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof conversationMessages.$inferSelect;
export type NewMessageRow = typeof conversationMessages.$inferInsert;

export function createAgentRepo(db: Db) {
  return {
    async findConversation(id: string, userId: string): Promise<ConversationRow | undefined> {
      return db.select().from(conversations).where(and(eq(conversations.id, id), eq(conversations.userId, userId))).get();
    },
    /** Opens the conversation when new and appends the exchange, in one transaction. */
    async append(conversation: { id: string; userId: string; isNew: boolean }, messages: NewMessageRow[], now: Date): Promise<void> {
      db.transaction((tx) => {
        if (conversation.isNew) tx.insert(conversations).values({ id: conversation.id, userId: conversation.userId, createdAt: now, updatedAt: now }).run();
        else tx.update(conversations).set({ updatedAt: now }).where(eq(conversations.id, conversation.id)).run();
        tx.insert(conversationMessages).values(messages).run();
      });
    },
    /** The last `limit` messages of a conversation, oldest first. */
    async recentMessages(conversationId: string, limit: number): Promise<MessageRow[]> {
      const rows = db.select().from(conversationMessages).where(eq(conversationMessages.conversationId, conversationId))
        .orderBy(desc(conversationMessages.id)).limit(limit).all();
      return rows.reverse();
    },
    /** A user's conversations, most recently active first, each with its messages in order. */
    async history(userId: string): Promise<(ConversationRow & { messages: MessageRow[] })[]> {
      const convs = db.select().from(conversations).where(eq(conversations.userId, userId)).orderBy(desc(conversations.updatedAt), desc(conversations.createdAt)).all();
      if (convs.length === 0) return [];
      const messages = db.select().from(conversationMessages)
        .where(inArray(conversationMessages.conversationId, convs.map((c) => c.id))).orderBy(asc(conversationMessages.id)).all();
      return convs.map((c) => ({ ...c, messages: messages.filter((m) => m.conversationId === c.id) }));
    },
  };
}

export type AgentRepo = ReturnType<typeof createAgentRepo>;
