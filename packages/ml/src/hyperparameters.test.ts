import { describe, expect, it } from 'vitest';
import { resolveColumns } from './data/table.js';
import { DEFAULT_HYPERPARAMETERS, validateHyperparameters } from './hyperparameters.js';
import { validateTrainingJob } from './training/run.js';
import { syntheticTable } from './test-support/synthetic.js';

describe('validateHyperparameters', () => {
  it('fills the original defaults and the architecture pairing', () => {
    const v = validateHyperparameters('gru_predictor', {});
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.value.hyperparameters).toMatchObject({ ...DEFAULT_HYPERPARAMETERS, learning_rate: 0.001, epochs: 100, batch_size: 32, sequence_length: 60, hidden_dim: 64, bottleneck_dim: 32, num_layers: 2, dropout: 0.1, weight_decay: 0.01, early_stopping_patience: 10, optimizer: 'adamw', loss: 'bce' });
  });

  it('names every offending field', () => {
    const v = validateHyperparameters('transformer', { learning_rate: -1, epochs: 2.5, optimizer: 'rmsprop', batch_sise: 3, feature_columns: [] });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.errors.map((e) => e.field).sort()).toEqual(['architecture', 'hyperparameters.batch_sise', 'hyperparameters.epochs', 'hyperparameters.feature_columns', 'hyperparameters.learning_rate', 'hyperparameters.optimizer']);
  });

  it('gives the autoencoder its linear stage and penalty, and refuses a linear stage elsewhere', () => {
    const ae = validateHyperparameters('lstm_autoencoder', {});
    expect(ae.ok && ae.value.hyperparameters).toMatchObject({ linear_stage: true, correction_penalty: 1 });
    const off = validateHyperparameters('lstm_autoencoder', { linear_stage: false });
    expect(off.ok && off.value.hyperparameters.linear_stage).toBe(false);
    const gru = validateHyperparameters('gru_predictor', {});
    expect(gru.ok && gru.value.hyperparameters).toMatchObject({ linear_stage: false });
    const bad = [validateHyperparameters('sentinel', { linear_stage: true }), validateHyperparameters('lstm_autoencoder', { linear_stage: 'yes', correction_penalty: -1 })];
    expect(bad.map((v) => (v.ok ? [] : v.errors.map((e) => e.field)))).toEqual([['hyperparameters.linear_stage'], ['hyperparameters.correction_penalty', 'hyperparameters.linear_stage']]);
  });

  it('rejects bce for the autoencoder', () => {
    const v = validateTrainingJob({ architecture: 'lstm_autoencoder', hyperparameters: { loss: 'bce' }, data: syntheticTable(10) });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors[0]?.field).toBe('hyperparameters.loss');
  });
});

describe('resolveColumns', () => {
  const hp = (over: object = {}) => {
    const v = validateHyperparameters('sentinel', over);
    if (!v.ok) throw new Error('bad');
    return v.value.hyperparameters;
  };

  it('finds the LBNL label by name, whatever its case and spacing, and never uses the timestamp', () => {
    const table = { ...syntheticTable(5), columns: ['Timestamp', 'SA_TEMP', 'RA_TEMP', 'FAN', 'DMPR', ' fault detection  ground truth '] };
    const r = resolveColumns(table, 'sentinel', hp());
    expect(r.ok && r.value.label).toBe(' fault detection  ground truth ');
    expect(r.ok && r.value.features).toEqual(['SA_TEMP', 'RA_TEMP', 'FAN', 'DMPR']);
  });

  it('says a supervised architecture needs a label column', () => {
    const table = { ...syntheticTable(5), columns: ['timestamp', 'a', 'b', 'c', 'd', 'e'] };
    const r = resolveColumns(table, 'gru_predictor', hp());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ field: 'hyperparameters.label_column', message: expect.stringContaining('needs a label column') });
  });

  it('rejects a feature that is the timestamp or is missing', () => {
    const r = resolveColumns(syntheticTable(5), 'sentinel', hp({ feature_columns: ['timestamp', 'nope'] }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.field)).toEqual(['hyperparameters.feature_columns', 'hyperparameters.feature_columns']);
  });
});
