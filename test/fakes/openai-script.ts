// Scripts drive the OpenAI-compatible fake: a function from the request to the assistant's reply.
// The default script calls each offered tool once, in the order offered, one call per turn, with
// arguments built from the tool's JSON schema, then answers in text from the tool results.

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | null | { type: string; text?: string }[];
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  name?: string;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonSchema };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  tool_choice?: ToolChoice;
  [key: string]: unknown;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  format?: string;
  items?: JsonSchema;
  minItems?: number;
}

export type ScriptReply =
  | { content: string }
  | { toolCalls: { name: string; arguments: Record<string, unknown> | string; id?: string }[]; content?: string | null }
  | { error: { status: number; message: string; type?: string; param?: string | null; code?: string | null } };

/** `turn` counts chat completion requests handled so far by this fake (0-based). */
export type ChatScript = (request: ChatRequest, turn: number) => ScriptReply | Promise<ScriptReply>;

/** Replies in order, one per request; past the end, the last reply repeats. */
export function sequence(...replies: ScriptReply[]): ChatScript {
  let next = 0;
  return () => replies[Math.min(next++, replies.length - 1)]!;
}

export function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('');
  return '';
}

/** Messages after the last user message: the current turn's tool calls and results. */
function currentExchange(messages: ChatMessage[]): { user: string; called: string[]; results: { name: string; content: string }[] } {
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const tail = messages.slice(lastUser + 1);
  const names = new Map<string, string>();
  for (const m of tail) for (const call of m.tool_calls ?? []) names.set(call.id, call.function.name);
  return {
    user: lastUser >= 0 ? textOf(messages[lastUser]!.content) : '',
    called: [...names.values()],
    results: tail.filter((m) => m.role === 'tool').map((m) => ({ name: names.get(m.tool_call_id ?? '') ?? 'tool', content: textOf(m.content) })),
  };
}

export const defaultScript: ChatScript = (request) => {
  const tools = request.tools ?? [];
  const choice = request.tool_choice ?? 'auto';
  const exchange = currentExchange(request.messages);
  if (tools.length > 0 && choice !== 'none') {
    const named = typeof choice === 'object' ? choice.function.name : undefined;
    const pending = named
      ? (exchange.called.includes(named) ? undefined : tools.find((t) => t.function.name === named))
      : tools.find((t) => !exchange.called.includes(t.function.name)) ?? (choice === 'required' ? tools[0] : undefined);
    if (pending) {
      return { toolCalls: [{ name: pending.function.name, arguments: exampleArguments(pending.function.parameters, exchange.user) }] };
    }
  }
  if (exchange.results.length === 0) return { content: `You asked: ${exchange.user}` };
  return { content: ['Here is what the tools returned:', ...exchange.results.map((r) => `- ${r.name}: ${r.content.slice(0, 200)}`)].join('\n') };
};

/** Required properties filled from enums, defaults, ids seen in the user's message, or plain examples. */
export function exampleArguments(schema: JsonSchema | undefined, userText: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of schema?.required ?? []) out[name] = exampleValue(schema?.properties?.[name] ?? {}, name, userText);
  return out;
}

function exampleValue(schema: JsonSchema, name: string, userText: string): unknown {
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer':
    case 'number': return schema.minimum ?? 1;
    case 'boolean': return true;
    case 'array': return Array.from({ length: schema.minItems ?? 0 }, () => exampleValue(schema.items ?? {}, name, userText));
    case 'object': return exampleArguments(schema, userText);
    default: {
      if (schema.format === 'date-time') return new Date(0).toISOString();
      // a `*_id` argument takes a prefixed id (ds_…, mdl_…) the user mentioned, when there is one
      const id = /(^|_)id$/.test(name) ? /\b[a-z]{2,5}_[A-Za-z0-9]+\b/.exec(userText)?.[0] : undefined;
      return id ?? `example ${name}`;
    }
  }
}
