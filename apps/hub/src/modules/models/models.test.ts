import fs from 'node:fs';
import type { ModelCompareResponse, ModelDetail, ModelSummary } from '@prometheus/protocol';
import { decodeAxonml, scoreTable } from '@prometheus/ml';
import { normalizeWindow } from '@prometheus/ml/inference';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../../test/training.js';

type Json = Record<string, unknown>;

// Models made by real (tiny) runs: detail fields, the downloads parsed (.axonml layout, ONNX ops and opset),
// ONNX scores equal to the model's own tfjs scores for a window (float and int8), compare, delete, access.
describe('models', { timeout: 180_000 }, () => {
  let t: TestHub;
  let owner: { token: string; username: string; id: string };
  let ae: ModelDetail;
  let sentinel: ModelDetail;
  const csv = sensorCsv({ rows: 240, faultFrom: 200 });

  const download = async (id: string, query = '', token = owner.token) => {
    const res = await t.request('GET', `/api/v1/models/${id}/download${query}`, { token });
    return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
  };

  beforeAll(async () => {
    t = await createTestHub({ TRAINING_MAX_CONCURRENT: '2' });
    owner = await t.userWithRole('operator');
    await setTier(t, owner.username, 'enterprise');
    const ds = (await validatedDataset(t, owner.token, csv, 'Warren AHU-1')).id;
    const [a, s] = await Promise.all([
      trainToEnd(t, owner.token, { dataset_id: ds, architecture: 'lstm_autoencoder', hyperparameters: TINY }),
      trainToEnd(t, owner.token, { dataset_id: ds, architecture: 'sentinel', hyperparameters: { ...TINY, epochs: 3 }, name: 'Sentinel AHU-1' }),
    ]);
    ae = (await (await t.request('GET', `/api/v1/models/${a.model_id}`, { token: owner.token })).json()) as ModelDetail;
    sentinel = (await (await t.request('GET', `/api/v1/models/${s.model_id}`, { token: owner.token })).json()) as ModelDetail;
  }, 180_000);
  afterAll(() => t.close());

  it('describes a model with the contract fields, real sizes and what the edge needs', async () => {
    expect(ae).toMatchObject({
      architecture: 'lstm_autoencoder', equipment_type: 'air_handler', input_features: 3, hidden_dim: 4, bottleneck_dim: 2, num_layers: 1,
      sequence_length: 8, quantized: true, status: 'ready', label_column: 'fault', threshold_kind: 'reconstruction_error',
      feature_columns: ['supply_temp', 'return_temp', 'fan_speed'], sampling_interval_seconds: 60,
    });
    expect(ae.name).toBe('Warren AHU-1 -- LSTM autoencoder');
    expect(ae.metrics.reconstruction_error_threshold).toBe(ae.threshold);
    expect(ae.metrics.f1).not.toBeNull();
    expect(ae.file_path).toBe(`${t.dataDir}/models/${ae.id}/model.axonml`);
    expect(ae.file_size_bytes).toBe(fs.statSync(ae.file_path).size);
    expect(ae.quantized_size_bytes).toBe(ae.files.onnx_int8);
    // A model this tiny pays more for the int8 graph's scales and DequantizeLinear nodes than its weights
    // save (the SZVAV end-to-end test checks int8 < float on a real-size model); the weights themselves shrink.
    expect(ae.files.onnx_int8).toBe(fs.statSync(`${t.dataDir}/models/${ae.id}/model-int8.onnx`).size);
    expect(ae.quantization.int8_parameter_bytes).toBeLessThan(ae.quantization.float_parameter_bytes);
    expect(ae.quantization.scheme).toContain('int8');
    const list = (await (await t.request('GET', '/api/v1/models', { token: owner.token })).json()) as ModelSummary[];
    expect(list.map((m) => m.id).sort()).toEqual([ae.id, sentinel.id].sort());
    expect(list.find((m) => m.id === ae.id)).toMatchObject({ parameters: ae.parameters, file_size_bytes: ae.file_size_bytes, quantized: true });
  });

  it('downloads the .axonml in the documented layout (magic, version, header JSON, weights JSON)', async () => {
    const { res, bytes } = await download(ae.id);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="warren-ahu-1-lstm-autoencoder-${ae.id}.axonml"`);
    expect(bytes.length).toBe(ae.file_size_bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('AXONML');
    expect(bytes[6]).toBe(1);
    const h = view.getUint32(7, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(11, 11 + h))) as Json;
    expect(header).toEqual({ architecture: 'lstm_autoencoder', input_features: 3, num_parameters: ae.parameters, quantized: false, quant_bits: 32 });
    const w = view.getUint32(11 + h, true);
    expect(11 + h + 4 + w).toBe(bytes.length);
    const body = JSON.parse(new TextDecoder().decode(bytes.subarray(15 + h))) as { weights: number[]; norm_means: number[]; anomaly_threshold: number };
    expect(body.weights).toHaveLength(ae.parameters);
    expect(body.norm_means).toHaveLength(3);
    expect(body.anomaly_threshold).toBeCloseTo(ae.threshold, 6);
    const int8 = decodeAxonml((await download(ae.id, '?format=axonml&quantized=true')).bytes);
    expect(int8.header).toMatchObject({ quantized: true, quant_bits: 8, num_parameters: ae.parameters });
  });

  it('downloads ONNX (standard LSTM/Gemm ops, opset >= 13; int8 through DequantizeLinear)', async () => {
    const float = await download(ae.id, '?format=onnx');
    expect(float.res.headers.get('content-disposition')).toContain(`${ae.id}.onnx"`);
    const graph = onnxProto.onnx.ModelProto.decode(float.bytes);
    expect(Number(graph.opsetImport.find((o) => !o.domain)?.version)).toBeGreaterThanOrEqual(13);
    const ops = new Set(graph.graph!.node!.map((n) => n.opType));
    expect(ops.has('LSTM')).toBe(true);
    expect(ops.has('Gemm') || ops.has('MatMul')).toBe(true);
    const quantized = await download(ae.id, '?format=onnx&quantized=true');
    expect(quantized.bytes.length).toBe(ae.quantized_size_bytes);
    expect(quantized.res.headers.get('content-disposition')).toContain(`${ae.id}-int8.onnx"`);
    const qOps = onnxProto.onnx.ModelProto.decode(quantized.bytes).graph!.node!.map((n) => n.opType);
    expect(qOps).toContain('DequantizeLinear');
    const sentinelOps = onnxProto.onnx.ModelProto.decode((await download(sentinel.id, '?format=onnx')).bytes).graph!.node!.map((n) => n.opType);
    expect(sentinelOps).toContain('Gemm');
    expect((await t.request('GET', `/api/v1/models/${ae.id}/download?format=pt`, { token: owner.token })).status).toBe(400);
  });

  it('scores a window in onnxruntime-node as the model itself does (float and int8)', async () => {
    const { metadata } = await t.hub.services.models.getArtifacts(ae.id);
    const lines = csv.trim().split('\n').slice(1, 1 + ae.sequence_length).map((l) => l.split(','));
    const rows = lines.map((cells) => cells.slice(1, 4).map(Number));
    const table = { columns: ['supply_temp', 'return_temp', 'fan_speed'], timestamps: lines.map((c) => Date.parse(c[0]!)), values: [0, 1, 2].map((f) => Float64Array.from(rows, (r) => r[f]!)) };
    for (const quantized of [false, true]) {
      const weights = decodeAxonml((await download(ae.id, `?format=axonml&quantized=${quantized}`)).bytes).weights;
      const own = await scoreTable({ metadata: { ...metadata, label_column: null }, weights }, table);
      expect(own.scores).toHaveLength(1);
      const session = await ort.InferenceSession.create((await download(ae.id, `?format=onnx&quantized=${quantized}`)).bytes, { graphOptimizationLevel: 'basic' });
      const input = new ort.Tensor('float32', normalizeWindow(metadata, rows), [1, ae.sequence_length, 3]);
      const out = await session.run({ window: input });
      expect(Math.abs((out.score!.data as Float32Array)[0]! - own.scores[0]!)).toBeLessThan(1e-4);
      await session.release();
    }
  });

  it('compares two models: higher F1 wins, advantage is the winner minus the other', async () => {
    const res = await t.request('POST', `/api/v1/models/${ae.id}/compare`, { token: owner.token, json: { compare_with: sentinel.id } });
    expect(res.status).toBe(200);
    const cmp = (await res.json()) as ModelCompareResponse;
    expect(cmp.models.map((m) => m.id)).toEqual([ae.id, sentinel.id]);
    const [a, s] = [ae.metrics.f1 as number, sentinel.metrics.f1 as number];
    if (a !== s) {
      expect(cmp.decided_by).toBe('f1');
      expect(cmp.winner).toBe(a > s ? ae.id : sentinel.id);
      expect(cmp.advantage.f1).toBeCloseTo(Math.abs(a - s), 12);
    } else {
      expect(cmp.decided_by).not.toBe('f1');
    }
    expect((await t.request('POST', `/api/v1/models/${ae.id}/compare`, { token: owner.token, json: { compare_with: ae.id } })).status).toBe(400);
    expect((await t.request('POST', `/api/v1/models/${ae.id}/compare`, { token: owner.token, json: { compare_with: 'mdl_none' } })).status).toBe(404);
    expect((await t.request('POST', `/api/v1/models/${ae.id}/compare`, { token: owner.token, json: {} })).status).toBe(400);
  });

  it("hides another user's models (404), lets viewers read but not delete (403)", async () => {
    const other = await t.userWithRole('operator');
    expect((await t.request('GET', `/api/v1/models/${ae.id}`, { token: other.token })).status).toBe(404);
    expect((await download(ae.id, '', other.token)).res.status).toBe(404);
    expect((await t.request('DELETE', `/api/v1/models/${ae.id}`, { token: other.token })).status).toBe(404);
    expect((await t.request('POST', `/api/v1/models/${ae.id}/compare`, { token: other.token, json: { compare_with: sentinel.id } })).status).toBe(404);
    const viewer = await t.userWithRole('viewer');
    expect((await t.request('DELETE', `/api/v1/models/${ae.id}`, { token: viewer.token })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/models')).status).toBe(401);
    expect((await t.request('GET', `/api/v1/models/${ae.id}`, { token: await t.adminToken() })).status).toBe(200);
  });

  it('deletes a model with its files and evaluations; an in-use guard refuses with 409', async () => {
    t.hub.services.models.addDeleteGuard((id) => (id === sentinel.id ? 'deployed to Warren AHU-1' : undefined));
    const refused = await t.request('DELETE', `/api/v1/models/${sentinel.id}`, { token: owner.token });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as Json).details).toBe('deployed to Warren AHU-1');
    const res = await t.request('DELETE', `/api/v1/models/${ae.id}`, { token: owner.token });
    expect(res.status).toBe(204);
    expect(fs.existsSync(`${t.dataDir}/models/${ae.id}`)).toBe(false);
    expect((await t.request('GET', `/api/v1/models/${ae.id}`, { token: owner.token })).status).toBe(404);
    expect((await t.request('GET', `/api/v1/evaluations/${ae.evaluation_id}`, { token: owner.token })).status).toBe(404);
  });
});
