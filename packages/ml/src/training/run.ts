import { prepareData } from '../data/prepare.js';
import { buildModel } from '../model/build.js';
import { learnFeatureDistribution } from '../model/distribution.js';
import { learnEnvelope } from '../model/envelope.js';
import type { LinearStage } from '../model/linear-stage.js';
import { fitLinearStage } from '../model/linear-stage.js';
import { modelSpec } from '../model/spec.js';
import { importTorchWeights, initialTorchWeights } from '../model/torch-weights.js';
import { initBackend, tf } from '../tf/backend.js';
import { finalizeTraining } from './finalize.js';
import type { LoopOptions } from './loop.js';
import { trainLoop } from './loop.js';
import type { TrainingJob, TrainingResult } from './result.js';
import { TrainingInputError } from './result.js';
import { validateTrainingJob } from './validate.js';

// Checking a job needs no tfjs: it lives in validate.ts so the hub's main thread can import it alone (../core.ts).
export { validateTrainingJob };

/**
 * A stage that keeps every component reconstructs every row exactly, faults included (the baseline's error is 0
 * there too): it would leave the LSTM nothing to see, so such a model is the plain autoencoder.
 */
function usefulLinearStage(stage: LinearStage, log: (message: string) => void): LinearStage | null {
  const F = stage.offset.length;
  if (stage.components >= F) {
    log(`linear stage: not used, ${F} of ${F} principal components are needed for ${(stage.explained * 100).toFixed(1)}% of the training variance (nothing would be left to detect)`);
    return null;
  }
  log(`linear stage: ${stage.components} of ${F} principal components (${(stage.explained * 100).toFixed(1)}% of the training variance)`);
  return stage;
}

/**
 * The whole run in the calling thread: validate, prepare, train, finalize. startTraining() runs
 * this in a worker thread; call it directly only where blocking the thread is fine (tests, scripts).
 */
export async function runTraining(job: TrainingJob, options: LoopOptions & { onLog?: (message: string) => void } = {}): Promise<TrainingResult> {
  const log = options.onLog ?? (() => undefined);
  const v = validateTrainingJob(job);
  if (!v.ok) throw new TrainingInputError(v.errors);
  const prepared = prepareData(job.data, v.architecture, v.hyperparameters);
  if (!prepared.ok) throw new TrainingInputError(prepared.errors);
  const backend = await initBackend();
  const data = prepared.value;
  const missing = data.missing.filter((m) => m.missing > 0).map((m) => `${m.column} ${m.missing}`);
  log(`backend ${backend}; ${data.features.length} features, label ${data.label ?? 'none'}; ${data.train.count} training and ${data.validation.count} validation windows; missing cells filled: ${missing.length ? missing.join(', ') : 'none'}`);
  // The linear stage is fitted once, before training, on the training rows, and then frozen.
  const linear = v.hyperparameters.linear_stage ? usefulLinearStage(fitLinearStage(data.matrix, data.features.length, data.normalTrainRows), log) : null;
  const spec = modelSpec(v.architecture, data.features.length, v.hyperparameters, linear);
  const model = buildModel(spec, v.hyperparameters.seed);
  try {
    importTorchWeights(model, spec, initialTorchWeights(spec, v.hyperparameters.seed));
    const loop = trainLoop(model, spec, data, v.hyperparameters, options);
    log(`training ${loop.status} after ${loop.epochsRun} epochs (${loop.batchesRun} batches); best epoch ${loop.bestEpoch}, validation loss ${loop.bestValLoss}`);
    const envelope = learnEnvelope(job.data, data.features, job.conditions);
    const features = learnFeatureDistribution(job.data, data.features, data.splitTimestamp);
    const result = finalizeTraining(model, spec, data, v.hyperparameters, loop, backend, envelope, features);
    log(`exported: ${result.model.num_parameters} parameters, ONNX ${result.model.onnx.length} bytes float / ${result.model.onnx_int8.length} int8`);
    return result;
  } finally {
    model.dispose();
    tf.disposeVariables();
  }
}
