import { z } from 'zod';
import { IsoTime } from './common.js';
import { Hyperparameters } from './datasets.js';
import { Architecture } from './profile.js';

// The PrometheusForge agent (docs/api.md "Agent"): chat, dataset analysis, conversation history.
export const ConversationId = z.string().regex(/^conv_[A-Za-z0-9]+$/, 'must be a conversation id (conv_…)');

export const AgentChatRequest = z.object({
  message: z.string().trim().min(1, 'is required').max(8000),
  conversation_id: ConversationId.optional(),
}).strict();
export type AgentChatRequest = z.infer<typeof AgentChatRequest>;

export const TrainingPlan = z.object({
  architecture: Architecture,
  dataset_id: z.string(),
  hyperparameters: Hyperparameters,
});
export type TrainingPlan = z.infer<typeof TrainingPlan>;

export const AgentChatResponse = z.object({
  response: z.string(),
  conversation_id: z.string(),
  training_plan: TrainingPlan.nullable(),
});
export type AgentChatResponse = z.infer<typeof AgentChatResponse>;

export const AgentAnalyzeRequest = z.object({
  dataset_id: z.string().min(1).max(128),
  question: z.string().trim().min(1).max(8000).optional(),
}).strict();
export type AgentAnalyzeRequest = z.infer<typeof AgentAnalyzeRequest>;

export const DatasetAnalysis = z.object({
  /** good: every sensor column under 1% missing or non-numeric; fair: under 5%; poor otherwise. */
  data_quality: z.enum(['good', 'fair', 'poor']),
  /** A daily cycle: some sensor's autocorrelation at a one-day lag is 0.5 or more (needs two days of data). */
  seasonality: z.boolean(),
  /** Readings more than 4 standard deviations from their column's mean. */
  anomalies_detected: z.number().int(),
  recommended_architecture: Architecture,
  recommended_hyperparameters: Hyperparameters,
});
export type DatasetAnalysis = z.infer<typeof DatasetAnalysis>;

export const AgentAnalyzeResponse = z.object({
  response: z.string(),
  analysis: DatasetAnalysis,
  training_plan: TrainingPlan,
  /** Addition to the contract: the analysis is kept as a conversation, continued with /agent/chat. */
  conversation_id: z.string(),
});
export type AgentAnalyzeResponse = z.infer<typeof AgentAnalyzeResponse>;

export const ConversationMessage = z.object({
  role: z.enum(['user', 'agent']),
  content: z.string(),
  timestamp: IsoTime,
});

export const Conversation = z.object({
  id: z.string(),
  messages: z.array(ConversationMessage),
  created_at: IsoTime,
});
export type Conversation = z.infer<typeof Conversation>;

export const AgentHistoryResponse = z.array(Conversation);
