import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type {
  AgentAnalyzeRequest, AgentAnalyzeResponse, AgentChatRequest, AgentChatResponse, Conversation, DatasetSummary, Recommendation, TrainingPlan,
} from '@prometheus/protocol';
import type { Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import type { AgentSettings } from '../../config.js';
import { notFound } from '../../errors.js';
import { isoTime, newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { Limits } from '../billing/limits.js';
import { analyzeData } from './analysis.js';
import { createLlm, SYSTEM_PROMPT } from './llm.js';
import { askWhichDataset, describeDataset, wantsPlan } from './local-analyst.js';
import type { AgentRepo, MessageRow } from './repo.js';
import { createToolbox, type AgentDatasets } from './tools.js';

// PrometheusForge: chat, dataset analysis and history. With a language model configured it answers through
// it (tools over the user's data, tokens charged to the user's balance); without one the local analyst
// answers from the same data. Conversations are stored per user either way.
export interface AgentServiceDeps {
  repo: AgentRepo;
  datasets: AgentDatasets;
  limits: Pick<Limits, 'assertTokens' | 'charge'>;
  settings: AgentSettings;
  clock: Clock;
  log: Logger;
}

interface Answer {
  text: string;
  plan: TrainingPlan | null;
  datasetId: string | null;
  tokens: number;
}

const HISTORY_MESSAGES = 20;

const planFrom = (best: Recommendation, datasetId: string): TrainingPlan => ({ architecture: best.architecture, dataset_id: datasetId, hyperparameters: best.hyperparameters });

/** A dataset the message names: its id, else the longest dataset name it contains. */
function namedDataset(message: string, datasets: DatasetSummary[]): DatasetSummary | undefined {
  const byId = datasets.find((d) => new RegExp(`\\b${d.id}\\b`).test(message));
  if (byId) return byId;
  const lower = message.toLowerCase();
  return datasets.filter((d) => lower.includes(d.name.toLowerCase())).sort((a, b) => b.name.length - a.name.length)[0];
}

export function createAgentService(deps: AgentServiceDeps) {
  const { repo, datasets, limits, clock } = deps;
  const llm = deps.settings.llm ? createLlm(deps.settings.llm) : undefined;

  /** Everything the agent states about a dataset, from every row and the recommendation engine. */
  async function study(actor: Actor, id: string) {
    const [detail, data, recs] = await Promise.all([datasets.get(id, actor), datasets.loadForTraining(id, actor), datasets.recommend(id, actor)]);
    return { detail, recs, facts: analyzeData(data, recs) };
  }

  async function conversationOf(id: string | undefined, actor: Actor): Promise<{ id: string; isNew: boolean; earlier: MessageRow[] }> {
    if (!id) return { id: newId('conv'), isNew: true, earlier: [] };
    if (!(await repo.findConversation(id, actor.id))) throw notFound('Conversation', id);
    return { id, isNew: false, earlier: await repo.recentMessages(id, HISTORY_MESSAGES) };
  }

  /** Asks the language model; tokens are charged even when a round fails part-way. */
  async function askModel(actor: Actor, earlier: MessageRow[], message: string): Promise<Answer> {
    await limits.assertTokens(actor.id);
    const toolbox = createToolbox(datasets, actor);
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: SYSTEM_PROMPT },
      ...earlier.map((m): ChatCompletionMessageParam => (m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: m.content })),
      { role: 'user', content: message },
    ];
    let tokens = 0;
    try {
      const text = await llm!.converse(messages, toolbox, (n) => void (tokens += n));
      return { text, plan: toolbox.plan(), datasetId: toolbox.lastDatasetId(), tokens };
    } finally {
      await limits.charge(actor.id, tokens);
    }
  }

  async function localAnswer(actor: Actor, earlier: MessageRow[], message: string): Promise<Answer> {
    const mine = await datasets.list(actor);
    const previous = [...earlier].reverse().find((m) => m.datasetId)?.datasetId;
    const target = namedDataset(message, mine) ?? mine.find((d) => d.id === previous) ?? (mine.length === 1 ? mine[0] : undefined);
    if (!target) return { text: askWhichDataset(mine), plan: null, datasetId: null, tokens: 0 };
    const { detail, facts, recs } = await study(actor, target.id);
    const plan = wantsPlan(message) ? planFrom(recs[0]!, target.id) : null;
    return { text: describeDataset(detail, facts, recs, plan), plan, datasetId: target.id, tokens: 0 };
  }

  async function record(conv: { id: string; isNew: boolean }, actor: Actor, question: string, answer: Answer): Promise<void> {
    const now = clock.now();
    await repo.append({ ...conv, userId: actor.id }, [
      { conversationId: conv.id, role: 'user', content: question, datasetId: answer.datasetId, createdAt: now },
      {
        conversationId: conv.id, role: 'agent', content: answer.text, datasetId: answer.datasetId,
        trainingPlan: answer.plan, tokens: answer.tokens, createdAt: now,
      },
    ], now);
  }

  return {
    usesLanguageModel: llm !== undefined,

    async chat(actor: Actor, body: AgentChatRequest): Promise<AgentChatResponse> {
      const conv = await conversationOf(body.conversation_id, actor);
      const answer = llm ? await askModel(actor, conv.earlier, body.message) : await localAnswer(actor, conv.earlier, body.message);
      await record(conv, actor, body.message, answer);
      return { response: answer.text, conversation_id: conv.id, training_plan: answer.plan };
    },

    async analyze(actor: Actor, body: AgentAnalyzeRequest): Promise<AgentAnalyzeResponse> {
      // Studying first answers 404 for a dataset that is not the caller's before any model is asked.
      const { detail, facts, recs } = await study(actor, body.dataset_id);
      const question = body.question ?? 'Analyze this dataset and recommend a model architecture.';
      const fallback = planFrom(recs[0]!, detail.id);
      const answer = llm
        ? await askModel(actor, [], `${question}\n\nThe dataset is ${detail.id} ("${detail.name}").`)
        : { text: describeDataset(detail, facts, recs, fallback), plan: fallback, datasetId: detail.id, tokens: 0 };
      const plan = answer.plan ?? fallback;
      const conv = { id: newId('conv'), isNew: true };
      await record(conv, actor, question, { ...answer, datasetId: detail.id, plan });
      return { response: answer.text, analysis: facts.analysis, training_plan: plan, conversation_id: conv.id };
    },

    async history(actor: Actor): Promise<Conversation[]> {
      return (await repo.history(actor.id)).map((c) => ({
        id: c.id, created_at: isoTime(c.createdAt),
        messages: c.messages.map((m) => ({ role: m.role, content: m.content, timestamp: isoTime(m.createdAt) })),
      }));
    },
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
