import {
  classificationMetrics, fitPcaBaseline, pcaBaselineScores, rocCurve, rowsAtTimes, type ModelMetadata, type RocCurve, type TrainingTable,
} from '@prometheus/ml/core';
import type { EvaluationBaseline } from '@prometheus/protocol';

// The PCA baseline of an evaluation (see @prometheus/ml's pca-baseline.ts): fitted on the rows the model
// trained on, scored on the evaluated table, each window taking the baseline score of its last row, so both
// methods are measured on the same windows against the same labels.
export interface BaselineOutcome {
  baseline: EvaluationBaseline;
  roc_curve: RocCurve | null;
}

export function measureBaseline(
  metadata: ModelMetadata, trainingTable: TrainingTable, table: TrainingTable, ends: ArrayLike<number>, labels: ArrayLike<number> | null,
): BaselineOutcome {
  const fit = fitPcaBaseline(trainingTable, metadata);
  const rowScores = pcaBaselineScores(fit, table);
  const scores = Float64Array.from(rowsAtTimes(table.timestamps, ends), (r) => rowScores[r] as number);
  const m = classificationMetrics(scores, labels, fit.threshold);
  return {
    baseline: {
      method: 'pca', components: fit.pca.components.length, explained_variance: fit.pca.explained, fit_rows: fit.fitRows,
      auc_roc: m.auc_roc, f1: m.f1, precision: m.precision, recall: m.recall, threshold: fit.threshold,
    },
    roc_curve: rocCurve(scores, labels),
  };
}

/** Model ROC AUC >= the baseline's; null when either is unknown (no labels, one class, no baseline). */
export function beatsBaseline(modelAuc: number | null, baseline: EvaluationBaseline | null): boolean | null {
  if (modelAuc === null || !baseline || baseline.auc_roc === null) return null;
  return modelAuc >= baseline.auc_roc;
}
