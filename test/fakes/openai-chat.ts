// Fake OpenAI-compatible chat completions API for the hub's agent (docs/api.md "Agent"),
// written from OpenAI's API reference: `POST /v1/chat/completions` with tools / tool_choice,
// `choices[0].message.tool_calls`, `finish_reason`, `usage`, SSE streaming, `GET /v1/models`,
// Bearer auth and the `{error:{message,type,param,code}}` envelope. Replies come from a script.
import { randomBytes } from 'node:crypto';
import { createFakeApp, isRecord, listen, param } from './shared/http-fake.js';
import type { FakeContext, FakeHandle } from './shared/http-fake.js';
import { defaultScript, textOf } from './openai-script.js';
import type { ChatMessage, ChatRequest, ChatScript, ScriptReply } from './openai-script.js';

export * from './openai-script.js';

export interface OpenAiChatFakeOptions {
  apiKey?: string;
  models?: string[];
  script?: ChatScript;
  latencyMs?: number;
}

export interface OpenAiChatFake extends FakeHandle {
  apiKey: string;
  /** `<url>/v1`, the base URL an OpenAI-compatible client takes. */
  baseUrl: string;
  setScript(script: ChatScript): void;
  /** Parsed bodies of every accepted chat completion request, oldest first. */
  chats: ChatRequest[];
}

type ApiError = { status: number; message: string; type?: string; param?: string | null; code?: string | null };

const NO_KEY = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.";
const BAD_JSON = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

export async function startOpenAiChatFake(options: OpenAiChatFakeOptions = {}): Promise<OpenAiChatFake> {
  const apiKey = options.apiKey ?? `sk-test-${randomBytes(12).toString('hex')}`;
  const models = options.models ?? ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'];
  let script = options.script ?? defaultScript;
  let turn = 0;
  const chats: ChatRequest[] = [];
  const { app, faults } = createFakeApp({
    latencyMs: options.latencyMs,
    failureResponse: (c, status) => apiError(c, status === 429
      ? { status, message: 'Rate limit reached for requests. Please try again in 1s.', type: 'requests', code: 'rate_limit_exceeded' }
      : { status, message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error' }),
  });
  app.use('/v1/*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    if (!header.startsWith('Bearer ') || header.length <= 7) return apiError(c, { status: 401, message: NO_KEY });
    const key = header.slice(7);
    if (key !== apiKey) {
      return apiError(c, { status: 401, code: 'invalid_api_key',
        message: `Incorrect API key provided: ${key.slice(0, 3)}${'*'.repeat(Math.max(0, key.length - 7))}${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.` });
    }
    return next();
  });
  const model = (id: string) => ({ id, object: 'model', created: 1700000000, owned_by: 'system' });
  app.get('/v1/models', (c) => c.json({ object: 'list', data: models.map(model) }));
  app.get('/v1/models/:id', (c) => (models.includes(param(c, 'id')) ? c.json(model(param(c, 'id')))
    : apiError(c, { status: 404, message: `The model '${param(c, 'id')}' does not exist`, param: 'model', code: 'model_not_found' })));
  app.post('/v1/chat/completions', async (c) => {
    const result = parseRequest(c.get('rawBody'), models);
    if (result instanceof RequestRefused) return apiError(c, result.error);
    const parsed = result;
    chats.push(parsed);
    const reply = await script(parsed, turn++);
    if ('error' in reply) return apiError(c, reply.error);
    const completion = buildCompletion(parsed, reply);
    return parsed.stream === true ? c.body(toSse(completion, parsed), 200, { 'content-type': 'text/event-stream; charset=utf-8' }) : c.json(completion);
  });
  // A script that throws (or calls a tool the request did not offer) surfaces as a 500 naming the cause.
  app.onError((error, c) => apiError(c, { status: 500, type: 'server_error', message: `fake script failed: ${error.message}` }));
  app.notFound((c) => apiError(c, { status: 404, message: `Invalid URL (${c.req.method} ${new URL(c.req.url).pathname})` }));
  const handle = await listen(app, faults);
  return { ...handle, apiKey, baseUrl: `${handle.url}/v1`, chats, setScript: (next) => void (script = next) };
}

function apiError(c: FakeContext, error: ApiError): Response {
  return c.json({ error: { message: error.message, type: error.type ?? 'invalid_request_error', param: error.param ?? null, code: error.code ?? null } }, error.status as 400);
}

class RequestRefused {
  constructor(readonly error: ApiError) {}
}

function parseRequest(raw: string, models: string[]): ChatRequest | RequestRefused {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return new RequestRefused({ status: 400, message: BAD_JSON });
  }
  if (!isRecord(body)) return new RequestRefused({ status: 400, message: BAD_JSON });
  if (typeof body.model !== 'string') return new RequestRefused({ status: 400, message: 'you must provide a model parameter' });
  if (!Array.isArray(body.messages)) {
    return new RequestRefused({ status: 400, message: "Missing required parameter: 'messages'.", param: 'messages', code: 'missing_required_parameter' });
  }
  if (!models.includes(body.model)) {
    return new RequestRefused({ status: 404, message: `The model \`${body.model}\` does not exist or you do not have access to it.`, code: 'model_not_found' });
  }
  const request = body as ChatRequest;
  const refusal = checkToolMessages(request.messages) ?? checkToolChoice(request);
  return refusal ? new RequestRefused(refusal) : request;
}

/** OpenAI refuses tool messages without a preceding call and calls left without an answer. */
function checkToolMessages(messages: ChatMessage[]): ApiError | undefined {
  let open: { index: number; ids: Set<string> } | undefined;
  for (const [index, message] of messages.entries()) {
    if (message.role === 'tool') {
      if (!open || !open.ids.delete(message.tool_call_id ?? '')) {
        return { status: 400, message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", param: `messages.[${index}].role` };
      }
      continue;
    }
    if (open && open.ids.size > 0) return unanswered(open.index, open.ids);
    open = message.role === 'assistant' && message.tool_calls?.length ? { index, ids: new Set(message.tool_calls.map((t) => t.id)) } : undefined;
  }
  return open && open.ids.size > 0 ? unanswered(open.index, open.ids) : undefined;
}

function unanswered(index: number, ids: Set<string>): ApiError {
  return { status: 400, param: `messages.[${index}].role`,
    message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...ids].join(', ')}` };
}

function checkToolChoice(request: ChatRequest): ApiError | undefined {
  const choice = request.tool_choice;
  if (choice === undefined) return undefined;
  if (!request.tools?.length) return { status: 400, param: 'tool_choice', message: "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified." };
  if (typeof choice === 'object' && !request.tools.some((t) => t.function.name === choice.function?.name)) {
    return { status: 400, param: 'tool_choice', message: `Tool choice '${choice.function?.name}' not found in 'tools' parameter.` };
  }
  return undefined;
}

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

function buildCompletion(request: ChatRequest, reply: Exclude<ScriptReply, { error: unknown }>): Record<string, unknown> {
  const offered = new Set((request.tools ?? []).map((t) => t.function.name));
  const toolCalls = 'toolCalls' in reply
    ? reply.toolCalls.map((call) => {
      if (!offered.has(call.name)) throw new Error(`script called tool '${call.name}', which the request did not offer`);
      return { id: call.id ?? `call_${randomBytes(12).toString('base64url')}`, type: 'function',
        function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) } };
    })
    : undefined;
  const content = 'content' in reply ? reply.content ?? null : null;
  const prompt = tokens(request.messages.map((m) => textOf(m.content) + JSON.stringify(m.tool_calls ?? '')).join('') + JSON.stringify(request.tools ?? ''));
  const completion = tokens((content ?? '') + JSON.stringify(toolCalls ?? ''));
  return {
    id: `chatcmpl-${randomBytes(15).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{
      index: 0,
      message: { role: 'assistant', content, refusal: null, annotations: [], ...(toolCalls ? { tool_calls: toolCalls } : {}) },
      logprobs: null,
      finish_reason: toolCalls ? 'tool_calls' : 'stop',
    }],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } },
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/** The same completion as `chat.completion.chunk` server-sent events, ending with `[DONE]`. */
function toSse(completion: Record<string, unknown>, request: ChatRequest): string {
  const [choice] = completion.choices as [{ message: { content: string | null; tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[] }; finish_reason: string }];
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
    id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model,
    system_fingerprint: 'fp_fake', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra,
  });
  const chunks: unknown[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of choice.message.content?.match(/\S+\s*/g) ?? []) chunks.push(chunk({ content: piece }));
  choice.message.tool_calls?.forEach((call, index) => {
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
    chunks.push(chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] }));
  });
  chunks.push(chunk({}, choice.finish_reason));
  const options = request.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage) chunks.push({ ...chunk({}), choices: [], usage: completion.usage });
  return `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`;
}
