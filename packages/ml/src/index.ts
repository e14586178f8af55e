// @prometheus/ml: architectures, data pipeline, training in worker threads, metrics, exports.
// The edge-side runtime lives in the "./inference" subpath and does not load tfjs.
export * from './hyperparameters.js';
export type { TrainingTable, ResolvedColumns } from './data/table.js';
export { findLabelColumn, isTimestampColumn, resolveColumns, samplingIntervalSeconds, columnKey } from './data/table.js';
export type { MissingValueCount } from './data/missing.js';
export type { PreparedData, WindowSet } from './data/prepare.js';
export { HORIZONS_MINUTES, prepareData } from './data/prepare.js';
export type { ModelSpec } from './model/spec.js';
export { modelSpec, parameterCount, torchGroups, torchTensors } from './model/spec.js';
export type { ModelMetadata } from './model/metadata.js';
export type { EpochProgress, StopReason } from './training/loop.js';
export type { TrainingJob, TrainingResult, TrainedModel, ModelMetrics, QuantizationReport, ReviewerFigures } from './training/result.js';
export { TrainingInputError } from './training/result.js';
export { runTraining, validateTrainingJob } from './training/run.js';
export type { TrainingCallbacks, TrainingHandle } from './training/start-training.js';
export { startTraining } from './training/start-training.js';
export { scoreTable } from './model/score-table.js';
export * from './metrics/classification.js';
export { calibration, featureErrorShare, foldStability, thresholdMargin } from './metrics/reviewer.js';
export type { AxonmlHeader, AxonmlModel, AxonmlInput } from './artifacts/axonml.js';
export { decodeAxonml, encodeAxonml } from './artifacts/axonml.js';
export { exportOnnx } from './artifacts/onnx-export.js';
export type { QuantizedWeights } from './artifacts/quantize.js';
export { quantizeSymmetric, quantizeWeights } from './artifacts/quantize.js';
export { initBackend } from './tf/backend.js';
export type { SpeedOptions, SpeedTrainer } from './training/speed.js';
export { benchTrainingSpeed, createSpeedTrainer } from './training/speed.js';
