import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installModel, isComplete, recoverModels, removeModel, switchCurrent } from './install.js';
import { TransferStore } from './transfer-store.js';

// Manifests need only parse for these checks: a minimal valid one around the given bytes.
function manifestFor(id: string, bytes: Buffer): string {
  return JSON.stringify({
    format: 'prometheus-deploy/1', deployment_id: id, target_id: 'tgt_abcdef', model_id: 'mdl_x', model_version: 'v1', created_at: '2026-03-06T00:00:00Z',
    package: { file: 'model.onnx', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), quantized: true },
    model: {
      format: 'prometheus-model/1', architecture: 'lstm_autoencoder', feature_columns: ['a'], label_column: null, norm_means: [0], norm_stds: [1],
      sequence_length: 2, sampling_interval_seconds: 15, threshold: 1, threshold_kind: 'reconstruction_error', input_name: 'window',
      output_names: ['reconstruction', 'score'], horizons_minutes: null, num_parameters: 1,
    },
    alerts: { raise_windows: 3, clear_windows: 3, clear_threshold: 0.8 }, health: { rows: [[0], [0]], expected_score: 0, tolerance: 1 },
  });
}

function install(models: string, id: string, content: string): string {
  const pkg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pkg-')), 'package.part');
  fs.writeFileSync(pkg, content);
  return installModel(models, id, pkg, manifestFor(id, Buffer.from(content)));
}

describe('model install', () => {
  it('switches current atomically, keeps the previous one, and after a crash restores a complete model', () => {
    const models = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'models-')), 'models');
    install(models, 'dep_aaaaaa', 'old model');
    switchCurrent(models, 'dep_aaaaaa');
    install(models, 'dep_bbbbbb', 'new model');
    // A crash before the switch: the new directory is not current and goes at start-up.
    fs.mkdirSync(path.join(models, '.staging-dep_cccccc'));
    expect(recoverModels(models)).toEqual({ current: path.join(models, 'dep_aaaaaa'), restored: undefined, shadow: undefined });
    expect(fs.readdirSync(models).sort()).toEqual(['current', 'dep_aaaaaa']);

    install(models, 'dep_bbbbbb', 'new model');
    switchCurrent(models, 'dep_bbbbbb');
    expect(fs.readlinkSync(path.join(models, 'current'))).toBe('dep_bbbbbb');
    expect(fs.readlinkSync(path.join(models, 'previous'))).toBe('dep_aaaaaa');
    // The current model damaged (torn write): the previous one becomes current again.
    fs.writeFileSync(path.join(models, 'dep_bbbbbb', 'model.onnx'), 'new mo');
    expect(isComplete(path.join(models, 'dep_bbbbbb'))).toBe(false);
    expect(recoverModels(models)).toEqual({ current: path.join(models, 'dep_aaaaaa'), restored: 'dep_bbbbbb', shadow: undefined });
    expect(fs.readlinkSync(path.join(models, 'current'))).toBe('dep_aaaaaa');
    // A model that failed its health check is removed unless something points at it.
    install(models, 'dep_dddddd', 'bad model');
    removeModel(models, 'dep_dddddd');
    removeModel(models, 'dep_aaaaaa');
    expect(fs.existsSync(path.join(models, 'dep_dddddd'))).toBe(false);
    expect(fs.existsSync(path.join(models, 'dep_aaaaaa'))).toBe(true);
  });
});

describe('transfer store', () => {
  it('resumes from what is on disk, keeps one transfer, and remembers the last outcome', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployments-'));
    let store = new TransferStore(root);
    expect(store.begin('dep_aaaaaa', '{"m":1}', 'sig')).toBe(0);
    store.append('dep_aaaaaa', Buffer.from('hello '));
    store = new TransferStore(root);
    expect(store.pending()).toEqual({ id: 'dep_aaaaaa', manifest: '{"m":1}', signature: 'sig' });
    expect(store.begin('dep_aaaaaa', '{"m":1}', 'sig')).toBe(6);
    expect(store.append('dep_aaaaaa', Buffer.from('world'))).toBe(11);
    expect(store.sha256('dep_aaaaaa')).toBe(createHash('sha256').update('hello world').digest('hex'));
    store.setLastOutcome({ deployment_id: 'dep_aaaaaa', state: 'failed', reason: 'x' });
    expect(store.begin('dep_bbbbbb', '{"m":2}', 'sig2')).toBe(0);
    expect(fs.existsSync(path.join(root, 'dep_aaaaaa'))).toBe(false);
    expect(store.lastOutcome()).toEqual({ deployment_id: 'dep_aaaaaa', state: 'failed', reason: 'x' });
  });
});

describe('rules-only install', () => {
  const rulesOnly = (id: string) => JSON.stringify({
    format: 'prometheus-deploy/1', deployment_id: id, target_id: 'tgt_abcdef', model_id: null, model_version: 'v2', created_at: '2026-03-06T00:00:00Z',
    package: null, model: null, alerts: null, health: null,
    rules: { points: [{ column: 'SAT', input: 'sat', unit: 'F' }, { column: 'MAT', input: 'mat', unit: 'F' }], settings: { eps_sat: 2 } },
  });

  it('installs the manifest alone as a complete deployment, is current after a restart, and rolls back to the model before it', () => {
    const models = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'models-')), 'models');
    install(models, 'dep_aaaaaa', 'a model');
    switchCurrent(models, 'dep_aaaaaa');
    const dir = installModel(models, 'dep_rrrrrr', null, rulesOnly('dep_rrrrrr'));
    expect(fs.readdirSync(dir)).toEqual(['manifest.json']);
    expect(isComplete(dir)).toBe(true);
    switchCurrent(models, 'dep_rrrrrr');
    expect(recoverModels(models)).toEqual({ current: path.join(models, 'dep_rrrrrr'), restored: undefined, shadow: undefined });
    // A damaged rules-only manifest: the model before it comes back.
    fs.writeFileSync(path.join(dir, 'manifest.json'), rulesOnly('dep_rrrrrr').replace('"rules":', '"rulez":'));
    expect(isComplete(dir)).toBe(false);
    expect(recoverModels(models)).toEqual({ current: path.join(models, 'dep_aaaaaa'), restored: 'dep_rrrrrr', shadow: undefined });
  });
});
