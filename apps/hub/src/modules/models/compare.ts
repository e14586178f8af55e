import type { ModelCompareResponse, ModelMetrics } from '@prometheus/protocol';
import type { ModelRow } from './repo.js';

// POST /models/:id/compare. The winner has the higher F1 when both models have one (labelled validation
// data), else the lower validation loss; the advantage is the winner's figure minus the other's.
// Figures come from each model's own validation windows, so they compare best on the same dataset.
function decide(a: ModelMetrics, b: ModelMetrics): { first: boolean; by: ModelCompareResponse['decided_by'] } {
  if (a.f1 !== null && b.f1 !== null && a.f1 !== b.f1) return { first: a.f1 > b.f1, by: 'f1' };
  if (a.val_loss !== b.val_loss) return { first: a.val_loss < b.val_loss, by: 'val_loss' };
  return { first: true, by: 'tie' };
}

export function compareModels(a: ModelRow, b: ModelRow): ModelCompareResponse {
  const ma = a.metrics;
  const mb = b.metrics;
  const { first, by } = decide(ma, mb);
  const [win, lose] = first ? [ma, mb] : [mb, ma];
  const entry = (row: ModelRow, m: ModelMetrics) => ({
    id: row.id, name: row.name, architecture: row.architecture,
    metrics: { f1: m.f1, val_loss: m.val_loss, precision: m.precision, recall: m.recall, auc_roc: m.auc_roc },
  });
  return {
    models: [entry(a, ma), entry(b, mb)],
    winner: by === 'tie' ? null : (first ? a.id : b.id),
    advantage: { f1: win.f1 !== null && lose.f1 !== null ? win.f1 - lose.f1 : null, val_loss: win.val_loss - lose.val_loss },
    decided_by: by,
  };
}
