// Aegis-DB document store semantics (aegis-db-api.md "Document store"), mirroring the public
// server's handlers: id rules of `json_to_doc`, filter parsing of `parse_filter_condition`,
// comparisons of `aegis_document::query::compare_values`, offset-backed base64url cursors.
import { randomUUID } from 'node:crypto';
import { isRecord } from './shared/http-fake.js';

export type AegisValue = null | boolean | number | string | AegisValue[] | { [key: string]: AegisValue };

export interface StoredDocument {
  id: string;
  fields: Record<string, AegisValue>;
}

export interface FindOptions {
  filter?: unknown;
  skip?: number;
  limit?: number;
  sort?: { field: string; ascending: boolean };
}

export interface FindResult {
  documents: StoredDocument[];
  totalScanned: number;
}

/** How `$and` / `$or` are treated: the documented meaning, or as the public server parses them (ignored). */
export type LogicalOperators = 'evaluate' | 'ignore';

type Predicate = (doc: StoredDocument) => boolean;

export class DocumentStore {
  private readonly collections = new Map<string, Map<string, StoredDocument>>();

  constructor(private readonly logical: LogicalOperators = 'evaluate') {}

  names(): string[] {
    return [...this.collections.keys()];
  }
  has(name: string): boolean {
    return this.collections.has(name);
  }
  count(name: string): number {
    return this.collections.get(name)?.size ?? 0;
  }
  create(name: string): boolean {
    if (this.collections.has(name)) return false;
    this.collections.set(name, new Map());
    return true;
  }

  /** Insert with the server's id rules; `explicitId` is the request's top-level `id`. */
  insert(name: string, document: unknown, explicitId?: string): { id: string } | { error: string } {
    const collection = this.collections.get(name);
    if (!collection) return { error: `Collection not found: ${name}` };
    const stored = toStored(document, explicitId);
    if (collection.has(stored.id)) return { error: `Document already exists: ${stored.id}` };
    collection.set(stored.id, stored);
    return { id: stored.id };
  }

  get(name: string, id: string): StoredDocument | undefined {
    return this.collections.get(name)?.get(id);
  }

  /** PUT: full replacement keeping the path id. */
  replace(name: string, id: string, document: unknown): StoredDocument | undefined {
    const collection = this.collections.get(name);
    if (!collection?.has(id)) return undefined;
    const stored = { id, fields: toStored(document).fields };
    collection.set(id, stored);
    return stored;
  }

  /** PATCH: top-level merge of the given fields. */
  patch(name: string, id: string, document: unknown): StoredDocument | undefined {
    const existing = this.collections.get(name)?.get(id);
    if (!existing) return undefined;
    if (isRecord(document)) Object.assign(existing.fields, document as Record<string, AegisValue>);
    return existing;
  }

  remove(name: string, id: string): StoredDocument | undefined {
    const collection = this.collections.get(name);
    const existing = collection?.get(id);
    if (existing) collection?.delete(id);
    return existing;
  }

  find(name: string, options: FindOptions): FindResult | undefined {
    const collection = this.collections.get(name);
    if (!collection) return undefined;
    const all = [...collection.values()];
    const predicates = parseFilter(options.filter, this.logical);
    let matched = all.filter((doc) => predicates.every((p) => p(doc)));
    if (options.sort) matched = sortDocuments(matched, options.sort.field, options.sort.ascending);
    const skip = options.skip ?? 0;
    const end = options.limit === undefined ? undefined : skip + options.limit;
    return { documents: matched.slice(skip, end), totalScanned: all.length };
  }
}

function toStored(document: unknown, explicitId?: string): StoredDocument {
  const fields: Record<string, AegisValue> = {};
  const source = isRecord(document) ? { ...document } : {};
  if (explicitId !== undefined && isRecord(document)) source._id = explicitId;
  // The server takes `_id` if present, else `id`, and only when that value is a string.
  const candidate = '_id' in source ? source._id : source.id;
  for (const [key, value] of Object.entries(source)) {
    if (key !== '_id') fields[key] = value as AegisValue;
  }
  return { id: typeof candidate === 'string' ? candidate : randomUUID(), fields };
}

/** `{id, collection, data: {_id, ...fields}}`, the wrapped shape every read returns. */
export function wrapDocument(collection: string, doc: StoredDocument): Record<string, unknown> {
  return { id: doc.id, collection, data: { _id: doc.id, ...doc.fields } };
}

export function encodeCursor(offset: number): string {
  return Buffer.from(String(offset), 'utf8').toString('base64url');
}

/** Invalid cursors decode to undefined, and the server then falls back to `skip`. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

// Dotted paths reach into nested objects (an assumption: the server's `Document::get` was not read).
// `_id` is not a stored field on the server, so filters on it match nothing here either.
function fieldValue(doc: StoredDocument, path: string): AegisValue | undefined {
  let current: AegisValue | undefined = doc.fields;
  for (const part of path.split('.')) {
    if (!isRecord(current)) return undefined;
    current = (current as Record<string, AegisValue>)[part];
  }
  return current;
}

export function compareValues(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return undefined;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sortDocuments(docs: StoredDocument[], field: string, ascending: boolean): StoredDocument[] {
  const sign = ascending ? 1 : -1;
  return [...docs].sort((x, y) => sign * (compareValues(fieldValue(x, field), fieldValue(y, field)) ?? 0));
}

function parseFilter(filter: unknown, logical: LogicalOperators): Predicate[] {
  if (!isRecord(filter)) return [];
  const predicates: Predicate[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    const predicate = parseCondition(field, condition, logical);
    if (predicate) predicates.push(predicate);
  }
  return predicates;
}

function parseCondition(field: string, condition: unknown, logical: LogicalOperators): Predicate | undefined {
  if (field === '$and' || field === '$or') {
    if (logical === 'ignore' || !Array.isArray(condition)) return undefined;
    const branches = condition.map((item) => parseFilter(item, logical));
    const all = (doc: StoredDocument, branch: Predicate[]): boolean => branch.every((p) => p(doc));
    return field === '$and'
      ? (doc) => branches.every((b) => all(doc, b))
      : (doc) => branches.some((b) => all(doc, b));
  }
  if (condition === null || ['boolean', 'number', 'string'].includes(typeof condition)) {
    return (doc) => sameValue(fieldValue(doc, field), condition);
  }
  if (!isRecord(condition)) return undefined; // arrays are ignored by the server
  const ops = Object.entries(condition)
    .map(([op, value]) => operator(field, op, value))
    .filter((p): p is Predicate => p !== undefined);
  return ops.length === 0 ? undefined : (doc) => ops.every((p) => p(doc));
}

function operator(field: string, op: string, value: unknown): Predicate | undefined {
  const get = (doc: StoredDocument): AegisValue | undefined => fieldValue(doc, field);
  const ordered = (test: (order: number) => boolean): Predicate => (doc) => {
    const order = compareValues(get(doc), value);
    return order !== undefined && test(order);
  };
  const text = (test: (s: string, v: string) => boolean): Predicate | undefined =>
    typeof value === 'string' ? (doc) => typeof get(doc) === 'string' && test(get(doc) as string, value) : undefined;
  switch (op) {
    case '$eq': return (doc) => get(doc) !== undefined && sameValue(get(doc), value);
    case '$ne': return (doc) => get(doc) === undefined || !sameValue(get(doc), value);
    case '$gt': return ordered((o) => o > 0);
    case '$gte': return ordered((o) => o >= 0);
    case '$lt': return ordered((o) => o < 0);
    case '$lte': return ordered((o) => o <= 0);
    case '$in':
      return Array.isArray(value) ? (doc) => get(doc) !== undefined && value.some((v) => sameValue(get(doc), v)) : undefined;
    case '$nin':
      return Array.isArray(value) ? (doc) => get(doc) === undefined || !value.some((v) => sameValue(get(doc), v)) : undefined;
    case '$exists': return typeof value === 'boolean' ? (doc) => (get(doc) !== undefined) === value : undefined;
    case '$regex': return text((s, pattern) => safeRegex(pattern)?.test(s) ?? false);
    case '$contains': return text((s, v) => s.includes(v));
    case '$startsWith': return text((s, v) => s.startsWith(v));
    case '$endsWith': return text((s, v) => s.endsWith(v));
    default: return undefined; // unknown operators are ignored, as the server does
  }
}

function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}
