// A subset of MongoDB query semantics for the Data API fake: filters with comparison, set, element,
// regex and logical operators (type-bracketed comparisons, array fields match on any element,
// dotted paths through arrays), projection, multi-key sort and a few aggregation stages.
import { BSONRegExp, ObjectId } from 'bson';

export type MongoDocument = Record<string, unknown>;

export class MongoQueryError extends Error {}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof ObjectId)
  && !(v instanceof RegExp) && !(v instanceof BSONRegExp);

/** Values a dotted path reaches; arrays on the way fan out, as in MongoDB. */
function valuesAt(value: unknown, parts: string[]): unknown[] {
  if (parts.length === 0) return [value];
  if (Array.isArray(value)) {
    const index = /^\d+$/.test(parts[0]!) ? Number(parts[0]) : undefined;
    if (index !== undefined) return valuesAt(value[index], parts.slice(1));
    return value.flatMap((item) => (isPlainObject(item) ? valuesAt(item, parts) : []));
  }
  if (!isPlainObject(value) || !(parts[0]! in value)) return [];
  return valuesAt(value[parts[0]!], parts.slice(1));
}

/** Canonical BSON type order used for sorting and bracketed comparison. */
function bracket(v: unknown): number {
  if (v === null || v === undefined) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (isPlainObject(v)) return 4;
  if (Array.isArray(v)) return 5;
  if (v instanceof ObjectId) return 7;
  if (typeof v === 'boolean') return 8;
  if (v instanceof Date) return 9;
  return 10;
}

export function compare(a: unknown, b: unknown): number {
  const [ba, bb] = [bracket(a), bracket(b)];
  if (ba !== bb) return ba - bb;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (a instanceof ObjectId && b instanceof ObjectId) return a.toHexString().localeCompare(b.toHexString());
  if (typeof a === 'number' || typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

function equal(a: unknown, b: unknown): boolean {
  if (a instanceof ObjectId || b instanceof ObjectId) return a instanceof ObjectId && b instanceof ObjectId && a.equals(b);
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => equal(a[k], b[k]));
  }
  return a === b;
}

/** A field value matches when it, or any element of it when it is an array, satisfies `test`. */
function anyCandidate(values: unknown[], test: (v: unknown) => boolean): boolean {
  return values.some((v) => test(v) || (Array.isArray(v) && v.some(test)));
}

function matchesEquality(values: unknown[], expected: unknown): boolean {
  if (expected === null) return values.length === 0 || anyCandidate(values, (v) => v === null || v === undefined);
  if (expected instanceof RegExp) return anyCandidate(values, (v) => typeof v === 'string' && expected.test(v));
  return anyCandidate(values, (v) => equal(v, expected));
}

function ordered(values: unknown[], expected: unknown, test: (order: number) => boolean): boolean {
  return anyCandidate(values, (v) => bracket(v) === bracket(expected) && test(compare(v, expected)));
}

function toRegex(pattern: unknown, options: unknown): RegExp {
  if (pattern instanceof RegExp) return pattern;
  const flags = typeof options === 'string' ? options.replace(/[^imsu]/g, '') : '';
  return new RegExp(String(pattern), flags);
}

function operator(values: unknown[], op: string, arg: unknown, spec: Record<string, unknown>): boolean {
  switch (op) {
    case '$eq': return matchesEquality(values, arg);
    case '$ne': return !matchesEquality(values, arg);
    case '$gt': return ordered(values, arg, (o) => o > 0);
    case '$gte': return ordered(values, arg, (o) => o >= 0);
    case '$lt': return ordered(values, arg, (o) => o < 0);
    case '$lte': return ordered(values, arg, (o) => o <= 0);
    case '$in': return asArray(op, arg).some((x) => matchesEquality(values, x));
    case '$nin': return !asArray(op, arg).some((x) => matchesEquality(values, x));
    case '$exists': return (values.length > 0) === Boolean(arg);
    case '$regex': {
      const re = toRegex(arg, spec.$options);
      return anyCandidate(values, (v) => typeof v === 'string' && re.test(v));
    }
    case '$options': return true;
    case '$not': return !matchesCondition(values, arg);
    case '$size': return values.some((v) => Array.isArray(v) && v.length === arg);
    case '$all': return asArray(op, arg).every((x) => matchesEquality(values, x));
    case '$elemMatch':
      return values.some((v) => Array.isArray(v) && v.some((item) =>
        isPlainObject(item) && isPlainObject(arg) && !Object.keys(arg).some((k) => k.startsWith('$'))
          ? matches(item, arg) : matchesCondition([item], arg)));
    default: throw new MongoQueryError(`unknown operator: ${op}`);
  }
}

function asArray(op: string, arg: unknown): unknown[] {
  if (!Array.isArray(arg)) throw new MongoQueryError(`${op} needs an array`);
  return arg;
}

function matchesCondition(values: unknown[], raw: unknown): boolean {
  // EJSON reads `{"$regex": "...", "$options": "..."}` as a BSON regular expression value
  const condition = raw instanceof BSONRegExp ? new RegExp(raw.pattern, raw.options.replace(/[^imsu]/g, '')) : raw;
  if (isPlainObject(condition) && Object.keys(condition).some((k) => k.startsWith('$'))) {
    return Object.entries(condition).every(([op, arg]) => operator(values, op, arg, condition));
  }
  return matchesEquality(values, condition);
}

export function matches(doc: MongoDocument, filter: unknown): boolean {
  if (filter === undefined || filter === null) return true;
  if (!isPlainObject(filter)) throw new MongoQueryError('filter must be an object');
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return asArray(key, condition).every((f) => matches(doc, f));
    if (key === '$or') return asArray(key, condition).some((f) => matches(doc, f));
    if (key === '$nor') return !asArray(key, condition).some((f) => matches(doc, f));
    if (key.startsWith('$')) throw new MongoQueryError(`unknown top level operator: ${key}`);
    return matchesCondition(valuesAt(doc, key.split('.')), condition);
  });
}

export function sortDocuments(docs: MongoDocument[], sort: unknown): MongoDocument[] {
  if (!isPlainObject(sort)) return docs;
  const keys = Object.entries(sort).map(([path, dir]) => ({ parts: path.split('.'), sign: Number(dir) < 0 ? -1 : 1 }));
  const sortValue = (doc: MongoDocument, parts: string[], sign: number): unknown => {
    const found = valuesAt(doc, parts).flatMap((v) => (Array.isArray(v) ? v : [v]));
    if (found.length === 0) return null;
    return found.sort(compare)[sign > 0 ? 0 : found.length - 1];
  };
  return [...docs].sort((a, b) => {
    for (const { parts, sign } of keys) {
      const order = compare(sortValue(a, parts, sign), sortValue(b, parts, sign));
      if (order !== 0) return sign * order;
    }
    return 0;
  });
}

export function project(doc: MongoDocument, projection: unknown): MongoDocument {
  if (!isPlainObject(projection) || Object.keys(projection).length === 0) return doc;
  const fields = Object.entries(projection).filter(([k]) => k !== '_id');
  const inclusive = fields.some(([, v]) => Boolean(v));
  if (inclusive && fields.some(([, v]) => !v)) throw new MongoQueryError('Cannot do exclusion on field in inclusion projection');
  const keepId = projection._id === undefined || Boolean(projection._id);
  if (!inclusive) {
    const copy = structuredCopy(doc);
    for (const [path] of fields) removePath(copy, path.split('.'));
    if (!keepId) delete copy._id;
    return copy;
  }
  const out: MongoDocument = keepId && '_id' in doc ? { _id: doc._id } : {};
  for (const [path] of fields) copyPath(doc, out, path.split('.'));
  return out;
}

function structuredCopy(doc: MongoDocument): MongoDocument {
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, isPlainObject(v) ? structuredCopy(v) : v]));
}

function removePath(target: Record<string, unknown>, parts: string[]): void {
  if (parts.length === 1) delete target[parts[0]!];
  else if (isPlainObject(target[parts[0]!])) removePath(target[parts[0]!] as Record<string, unknown>, parts.slice(1));
}

function copyPath(source: Record<string, unknown>, target: Record<string, unknown>, parts: string[]): void {
  const [head, ...rest] = parts as [string, ...string[]];
  if (!(head in source)) return;
  if (rest.length === 0) {
    target[head] = source[head];
  } else if (isPlainObject(source[head])) {
    const child = isPlainObject(target[head]) ? (target[head] as Record<string, unknown>) : {};
    copyPath(source[head], child, rest);
    if (Object.keys(child).length > 0) target[head] = child;
  }
}

/** $match, $sort, $skip, $limit, $project and $count; anything else is refused. */
export function aggregate(docs: MongoDocument[], pipeline: unknown): MongoDocument[] {
  if (!Array.isArray(pipeline)) throw new MongoQueryError('pipeline must be an array');
  let current = docs;
  for (const stage of pipeline) {
    const [name, arg] = isPlainObject(stage) ? (Object.entries(stage)[0] ?? []) : [];
    if (name === '$match') current = current.filter((d) => matches(d, arg));
    else if (name === '$sort') current = sortDocuments(current, arg);
    else if (name === '$skip') current = current.slice(Number(arg));
    else if (name === '$limit') current = current.slice(0, Number(arg));
    else if (name === '$project') current = current.map((d) => project(d, arg));
    else if (name === '$count') current = [{ [String(arg)]: current.length }];
    else throw new MongoQueryError(`Unrecognized pipeline stage name: '${String(name)}'`);
  }
  return current;
}
