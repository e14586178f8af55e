import { z } from 'zod';
import { openApiPath, type AnyRoute } from './route.js';

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parametersOf(route: AnyRoute): JsonSchema[] {
  const params: JsonSchema[] = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    const json = toSchema(schema as z.ZodType, 'input');
    const props = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, prop] of Object.entries(props)) {
      params.push({ name, in: where, required: where === 'path' || required.has(name), schema: prop, ...(prop.description ? { description: prop.description } : {}) });
    }
  }
  return params;
}

function requestBodyOf(route: AnyRoute): JsonSchema | undefined {
  if (!route.body) return undefined;
  const kind = route.bodyKind ?? 'json';
  const type = kind === 'multipart' ? 'multipart/form-data' : kind === 'raw' ? 'application/octet-stream' : 'application/json';
  return { required: true, content: { [type]: { schema: toSchema(route.body as z.ZodType, 'input') } } };
}

function operationOf(route: AnyRoute): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const type = doc.contentType ?? 'application/json';
    responses[status] = { description: doc.description, ...(doc.schema ? { content: { [type]: { schema: toSchema(doc.schema, 'output') } } } : {}) };
  }
  const body = requestBodyOf(route);
  const params = parametersOf(route);
  return {
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    operationId: `${route.method}${openApiPath(route.path).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
    ...(route.permission === 'public' ? { security: [] } : { 'x-permission': route.permission }),
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document, generated from the same route table that serves the API. */
export function buildOpenApi(routes: AnyRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    (paths[path] ??= {})[route.method] = operationOf(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Prometheus API',
      version,
      description: 'Edge-first ML platform for building equipment. Errors are `{error, code, details}`.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Opaque token from POST /api/v1/auth/login' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
