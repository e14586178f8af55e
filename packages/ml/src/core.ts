// @prometheus/ml/core: what a server's main thread needs without loading tfjs or onnxruntime (about 100 MB of
// RSS at import): job checks, column resolution, the training worker's handle, the .axonml codec, metrics, types.
// Training and scoring load tfjs in their worker threads; the full API stays in "." (index.ts).
export * from './hyperparameters.js';
export type { TrainingTable, ResolvedColumns } from './data/table.js';
export { findColumn, findLabelColumn, isTimestampColumn, resolveColumns, samplingIntervalSeconds, columnKey } from './data/table.js';
export type { MissingValueCount } from './data/missing.js';
export type { ModelMetadata, ModelScoring } from './model/metadata.js';
export { persistenceMinutes, persistScores, TrailingMean } from './model/persistence.js';
export type { ConditionColumns, OperatingEnvelope } from './model/envelope.js';
export { learnEnvelope, outsideEnvelope, RANGE_MARGIN_SHARE, windowOutsideEnvelope } from './model/envelope.js';
export type { EpochProgress, StopReason } from './training/loop.js';
export type { TrainingJob, TrainingResult, TrainedModel, ModelMetrics, QuantizationReport, ReviewerFigures } from './training/result.js';
export { TrainingInputError } from './training/result.js';
export { validateTrainingJob } from './training/validate.js';
export type { TrainingCallbacks, TrainingHandle } from './training/start-training.js';
export { startTraining } from './training/start-training.js';
export * from './metrics/classification.js';
export type { PcaModel, PcaOptions } from './baseline/pca.js';
export { fitPca, pcaErrors } from './baseline/pca.js';
export type { PcaBaseline, BaselineModelInfo } from './baseline/pca-baseline.js';
export { BASELINE_MINUTES, BASELINE_VARIANCE, fitPcaBaseline, pcaBaselineScores, rowsAtTimes, timeSegments } from './baseline/pca-baseline.js';
export type { AxonmlHeader, AxonmlModel, AxonmlInput } from './artifacts/axonml.js';
export { decodeAxonml, encodeAxonml } from './artifacts/axonml.js';
export type { ModelSpec } from './model/spec.js';
export type { LinearStage } from './model/linear-stage.js';
export { modelSpec } from './model/spec.js';
export type { QuantizedWeights } from './artifacts/quantize.js';
export { quantizeWeights } from './artifacts/quantize.js';
// onnx-proto only (about 5 MB): the deployments module compiles models in the hub's main thread.
export { exportOnnx } from './artifacts/onnx-export.js';
export type { BinnedDistribution, TrainingDistribution } from './model/distribution.js';
export { binDistribution, binIndex, DRIFT_BINS, histogram, learnFeatureDistribution, psi, PSI_EPSILON } from './model/distribution.js';
