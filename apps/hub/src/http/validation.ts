import type { z } from 'zod';
import { AppError } from '../errors.js';

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : undefined;
  let message = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
  if (issue.code === 'unrecognized_keys') return `${field ? `'${field}' has ` : ''}unknown field(s): ${issue.keys.join(', ')}`;
  return field ? `'${field}' ${message.replace(/^Invalid input: /, '')}` : message;
}

/** Parses input with a protocol schema; a failure is a 400 naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeIssue);
  throw new AppError('VALIDATION_ERROR', `Invalid ${where}: ${problems[0]}`, { details: problems.join('; ') });
}
