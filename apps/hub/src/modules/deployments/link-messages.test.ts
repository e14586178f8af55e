// The deploy link messages of @prometheus/protocol (the package itself imports only zod, so its tests live here).
import { describe, expect, it } from 'vitest';
import { DeployStatusReport, InferenceMessage, decodeDeployChunk, encodeDeployChunk } from '@prometheus/protocol';

const header = { v: 1 as const, deployment_id: 'dep_abcdef12', offset: 4096, sha256: 'a'.repeat(64), last: false };

describe('deploy/chunk framing', () => {
  it('round-trips raw bytes behind a JSON header, including bytes that are not UTF-8', () => {
    const data = Uint8Array.from([0, 255, 128, 10, 13, 0xc3]);
    const frame = encodeDeployChunk(header, data);
    expect(frame.length).toBe(2 + JSON.stringify(header).length + data.length);
    const back = decodeDeployChunk(frame);
    expect(back?.header).toEqual(header);
    expect([...(back?.data ?? [])]).toEqual([...data]);
    // At a non-zero offset into a larger buffer (as MQTT clients hand payloads over).
    const outer = new Uint8Array(frame.length + 3);
    outer.set(frame, 3);
    expect(decodeDeployChunk(outer.subarray(3))?.header.offset).toBe(4096);
  });

  it('refuses a short frame, a length past the end and a header that does not fit the schema', () => {
    expect(decodeDeployChunk(new Uint8Array([0]))).toBeUndefined();
    expect(decodeDeployChunk(new Uint8Array([0, 200, 1, 2]))).toBeUndefined();
    expect(decodeDeployChunk(encodeDeployChunk({ ...header, sha256: 'nothex' }, new Uint8Array(1)))).toBeUndefined();
  });
});

describe('deploy/status and inference messages', () => {
  it('accept what the agent sends and refuse foreign ids', () => {
    expect(DeployStatusReport.safeParse({ v: 1, deployment_id: null, state: 'idle', resume: true, current: null, at: 1 }).success).toBe(true);
    expect(DeployStatusReport.safeParse({ v: 1, deployment_id: 'tgt_abcdef', state: 'deployed', current: null, at: 1 }).success).toBe(false);
    const scores = { v: 1, kind: 'scores', seq: 1, deployment_id: 'dep_abcdef12', model_id: 'mdl_x', scores: [{ ts: 1, score: 0.5, anomaly: false }] };
    expect(InferenceMessage.safeParse(scores).success).toBe(true);
    expect(InferenceMessage.safeParse({ ...scores, scores: [] }).success).toBe(false);
  });
});
