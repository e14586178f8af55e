import type { ConnectResponse } from '@prometheus/protocol';
import { expect } from 'vitest';
import type { TestHub } from '../../test/harness.js';

// Shared by the connector tests: POST /datasets/connect and the error body checks.
export async function connect(t: TestHub, token: string, body: Record<string, unknown>): Promise<Response> {
  return t.request('POST', '/api/v1/datasets/connect', { token, json: { name: 'Imported', equipment_type: 'boiler', ...body } });
}

export async function connectOk(t: TestHub, token: string, body: Record<string, unknown>): Promise<ConnectResponse> {
  const res = await connect(t, token, body);
  if (res.status !== 201) throw new Error(`connect answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as ConnectResponse;
}

export async function expectError(res: Response, status: number, code: string, details?: RegExp): Promise<void> {
  const body = (await res.json()) as { error: string; code: string; details?: string };
  expect({ status: res.status, code: body.code }).toEqual({ status, code });
  expect(typeof body.error).toBe('string');
  if (details) expect(`${body.error} ${body.details ?? ''}`).toMatch(details);
}
