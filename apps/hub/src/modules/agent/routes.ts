import {
  AgentAnalyzeRequest, AgentAnalyzeResponse, AgentChatRequest, AgentChatResponse, AgentHistoryResponse,
} from '@prometheus/protocol';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { AgentService } from './agent-service.js';

const tag = 'Agent';
// Viewers are refused: the agent spends the account's tokens and drafts training plans, which are operator work.
const common = {
  401: err('Not logged in'), 403: err('Viewer role, or the token balance is used up (TIER_LIMIT)'), 429: err('Over 20 agent requests per minute'),
};
const upstream = { 502: err('The language model endpoint failed'), 504: err('The language model did not answer in time') };

export function agentRoutes(agent: AgentService): AnyRoute[] {
  const mode = agent.usesLanguageModel ? 'through the configured language model' : 'by the built-in analyst (no language model configured)';
  return [
    defineRoute({
      method: 'post', path: '/api/v1/agent/chat', tag, summary: `Chat with PrometheusForge (answered ${mode})`,
      description: 'Omit conversation_id to start a conversation. training_plan is set when the agent drafted one.',
      permission: 'agent:use', rateLimit: 'agent', body: AgentChatRequest,
      responses: {
        200: { description: 'Answer', schema: AgentChatResponse }, 400: err('Empty message or bad conversation id'), ...common,
        404: err('No such conversation (or not yours)'), ...upstream,
      },
      handler: async (c, { body }) => c.json(await agent.chat(currentUser(c), body), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/agent/analyze', tag, summary: 'Analyze a dataset: quality, daily cycle, anomalies, recommended architecture, a training plan',
      permission: 'agent:use', rateLimit: 'agent', body: AgentAnalyzeRequest,
      responses: {
        200: { description: 'Analysis', schema: AgentAnalyzeResponse }, 400: err('Missing dataset_id'), ...common,
        404: err('No such dataset (or not yours)'), ...upstream,
      },
      handler: async (c, { body }) => c.json(await agent.analyze(currentUser(c), body), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/agent/history', tag, summary: "The caller's conversations, most recent first",
      permission: 'agent:use', rateLimit: 'agent',
      responses: { 200: { description: 'Conversations', schema: AgentHistoryResponse }, ...common },
      handler: async (c) => c.json(await agent.history(currentUser(c)), 200),
    }),
  ];
}
