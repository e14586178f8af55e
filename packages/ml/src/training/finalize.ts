import type * as tf from '@tensorflow/tfjs';
import { encodeAxonml } from '../artifacts/axonml.js';
import { exportOnnx } from '../artifacts/onnx-export.js';
import { quantizeWeights } from '../artifacts/quantize.js';
import type { PreparedData } from '../data/prepare.js';
import { HORIZONS_MINUTES } from '../data/prepare.js';
import type { Hyperparameters } from '../hyperparameters.js';
import { classificationMetrics, percentile, rocCurve } from '../metrics/classification.js';
import { calibration, featureErrorShare, foldStability, thresholdMargin } from '../metrics/reviewer.js';
import { binDistribution, type BinnedDistribution, type TrainingDistribution } from '../model/distribution.js';
import type { OperatingEnvelope } from '../model/envelope.js';
import type { ModelMetadata } from '../model/metadata.js';
import { outputNames } from '../model/metadata.js';
import { persistScores } from '../model/persistence.js';
import { metricLabels, scoreWindows } from '../model/scoring.js';
import type { ModelSpec } from '../model/spec.js';
import { parameterCount } from '../model/spec.js';
import { importTorchWeights } from '../model/torch-weights.js';
import type { LoopResult } from './loop.js';
import type { QuantizationReport, TrainedModel, TrainingResult } from './result.js';

function threshold(spec: ModelSpec, data: PreparedData, scores: Float64Array, hp: Hyperparameters): number {
  if (spec.architecture !== 'lstm_autoencoder') return 0.5;
  // A high percentile of the errors on NORMAL validation windows (all windows when unlabelled).
  const any = data.validation.anyFault;
  const normal = any ? scores.filter((_, i) => any[i] === 0) : scores;
  return percentile(normal.length > 0 ? normal : scores, hp.threshold_percentile);
}

function artifacts(spec: ModelSpec, metadata: ModelMetadata, weights: Float32Array, hp: Hyperparameters): { model: TrainedModel; quantized: ReturnType<typeof quantizeWeights> } {
  const quantized = quantizeWeights(weights, spec);
  const onnxMeta = { prometheus_metadata: JSON.stringify({ ...metadata, hyperparameters: undefined }) };
  const axon = { architecture: spec.architecture, input_features: spec.inputFeatures, hyperparameters: hp, norm_means: metadata.norm_means, norm_stds: metadata.norm_stds, anomaly_threshold: metadata.threshold, linear_stage: spec.linear ?? null };
  return {
    quantized,
    model: {
      metadata, num_parameters: weights.length, weights,
      axonml: encodeAxonml({ ...axon, weights }),
      axonml_int8: encodeAxonml({ ...axon, weights: quantized.dequantized, quantized: true }),
      onnx: exportOnnx(spec, weights, null, onnxMeta),
      onnx_int8: exportOnnx(spec, weights, quantized, onnxMeta),
    },
  };
}

/**
 * The score histogram: the reported (persisted) scores of the normal windows of the training AND validation
 * rows, as the edge reports them. Validation alone is one stretch at the end of the data (part of a daily cycle,
 * a few dozen windows on small sets), not what a normal hour looks like; the training windows complete the
 * cycle. A closely fitted model scores its training windows lower than new ones, which reads as score drift:
 * features are the sharper drift signal (documented beside the drift API).
 */
function scoreDistribution(model: tf.LayersModel, spec: ModelSpec, data: PreparedData, validation: Float64Array, persistenceMinutes: number): BinnedDistribution | null {
  const train = persistScores(data.train.ends, scoreWindows(model, spec, data.train).scores, persistenceMinutes);
  const normal = (scores: Float64Array, anyFault: ArrayLike<number> | null | undefined) => Array.from(scores).filter((_, i) => !anyFault || anyFault[i] === 0);
  return binDistribution([...normal(train, data.train.anyFault), ...normal(validation, data.validation.anyFault)]) ?? null;
}

/** Best weights -> threshold, metrics, reviewer figures, exports, and the measured cost of int8. */
export function finalizeTraining(model: tf.LayersModel, spec: ModelSpec, data: PreparedData, hp: Hyperparameters, loop: LoopResult, backend: string, envelope: OperatingEnvelope | null = null,
  features: Omit<TrainingDistribution, 'score'> | null = null): TrainingResult {
  const val = data.validation;
  const scored = scoreWindows(model, spec, val);
  // The reported score is the persisted one (the autoencoder's): threshold and metrics are measured on it.
  const scoring = { persistence_minutes: hp.persistence_minutes };
  const persisted = persistScores(val.ends, scored.scores, scoring.persistence_minutes);
  const labels = metricLabels(spec, val);
  const cut = threshold(spec, data, persisted, hp);
  const distribution: TrainingDistribution | null = features ? { ...features, score: scoreDistribution(model, spec, data, persisted, scoring.persistence_minutes) } : null;
  const metadata: ModelMetadata = {
    format: 'prometheus-model/1', architecture: spec.architecture, feature_columns: data.features, label_column: data.label,
    norm_means: data.means, norm_stds: data.stds, sequence_length: spec.sequenceLength, sampling_interval_seconds: data.intervalSeconds,
    threshold: cut, threshold_kind: spec.architecture === 'lstm_autoencoder' ? 'reconstruction_error' : 'probability',
    input_name: 'window', output_names: outputNames(spec.architecture),
    horizons_minutes: spec.architecture === 'gru_predictor' ? [...HORIZONS_MINUTES] : null, num_parameters: parameterCount(spec), hyperparameters: hp,
    scoring, envelope, linear_stage: spec.linear ?? null, distribution,
  };
  const { model: trained, quantized } = artifacts(spec, metadata, loop.bestWeights, hp);
  const metrics = classificationMetrics(persisted, labels, cut);
  // Quantization cost, measured: the same windows through the int8-grid weights.
  importTorchWeights(model, spec, quantized.dequantized);
  const q = persistScores(val.ends, scoreWindows(model, spec, val).scores, scoring.persistence_minutes);
  importTorchWeights(model, spec, loop.bestWeights);
  let maxDelta = 0;
  let sumDelta = 0;
  q.forEach((s, i) => {
    const d = Math.abs(s - (persisted[i] as number));
    maxDelta = Math.max(maxDelta, d);
    sumDelta += d;
  });
  const metricsInt8 = classificationMetrics(q, labels, cut);
  const quantization: QuantizationReport = {
    scheme: 'int8 symmetric per-tensor (weight matrices; biases float32)', float_parameter_bytes: quantized.floatBytes, int8_parameter_bytes: quantized.bytes,
    onnx_float_bytes: trained.onnx.length, onnx_int8_bytes: trained.onnx_int8.length, max_abs_score_delta: maxDelta, mean_abs_score_delta: sumDelta / Math.max(q.length, 1),
    metrics_int8: metricsInt8,
    f1_delta: metricsInt8.f1 !== null && metrics.f1 !== null ? metricsInt8.f1 - metrics.f1 : null,
    auc_roc_delta: metricsInt8.auc_roc !== null && metrics.auc_roc !== null ? metricsInt8.auc_roc - metrics.auc_roc : null,
  };
  const folds = foldStability(persisted, labels, cut);
  return {
    status: loop.status, epochs_run: loop.epochsRun, batches_run: loop.batchesRun, best_epoch: loop.bestEpoch, best_val_loss: loop.bestValLoss, training_time_seconds: loop.seconds,
    training_curves: { epochs: loop.history.map((h) => h.epoch), train_loss: loop.history.map((h) => h.train_loss), val_loss: loop.history.map((h) => h.val_loss) },
    model: trained,
    metrics: { ...metrics, val_loss: loop.bestValLoss, reconstruction_error_threshold: spec.architecture === 'lstm_autoencoder' ? cut : null },
    reviewer: {
      ...folds,
      calibration: spec.architecture === 'lstm_autoencoder' ? null : calibration(persisted, labels),
      feature_error_share: scored.featureErrors ? featureErrorShare(Float32Array.from(scored.featureErrors), data.features) : null,
      threshold_margin: thresholdMargin(persisted, labels, cut),
      roc_curve: rocCurve(persisted, labels),
    },
    quantization, missing_values: data.missing,
    data: { train_windows: data.train.count, validation_windows: val.count, split_timestamp: data.splitTimestamp, sampling_interval_seconds: data.intervalSeconds, backend },
  };
}
