import type { EvaluationDetail } from '@prometheus/protocol';
import { Chart } from '../../ui/chart.js';
import { num } from '../../ui/format.js';
import { Card, Empty } from '../../ui/kit.js';
import { mergeCurves } from './roc.js';

// The model against the linear baseline every evaluation carries: the verdict in plain words, both rows of
// figures side by side, and both ROC curves on one chart. A model that loses to the baseline is said to lose.

const auc3 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : String(Number(x.toPrecision(3))));

export function BaselineVerdict({ d }: { d: EvaluationDetail }) {
  const b = d.baseline;
  const pca = b ? `PCA (${b.components} component${b.components === 1 ? '' : 's'}, fitted on the model's training rows) on the same windows` : '';
  if (d.beats_baseline === true) {
    return <div class="alert ok" data-testid="baseline-verdict"><strong>Beats the linear baseline</strong><div>ROC AUC {auc3(d.metrics.auc_roc)} against {auc3(b?.auc_roc)} for {pca}.</div></div>;
  }
  if (d.beats_baseline === false) {
    return (
      <div class="alert error" role="alert" data-testid="baseline-verdict">
        <strong>Loses to the linear baseline</strong>
        <div>ROC AUC {auc3(d.metrics.auc_roc)} against {auc3(b?.auc_roc)} for {pca}. A PCA reconstruction ranks these faults better: do not deploy this model.</div>
      </div>
    );
  }
  const why = !b
    ? 'This evaluation has no baseline: it was stored before baselines were recorded, or the model\'s training dataset is gone.'
    : 'The data has no fault labels (or one class only), so neither the model nor the baseline can be measured.';
  return <div class="alert warn" data-testid="baseline-verdict"><strong>Not compared with the linear baseline</strong><div>{why} The model is not shown to be good without it.</div></div>;
}

export function BaselineTable({ d }: { d: EvaluationDetail }) {
  const b = d.baseline;
  if (!b) return null;
  const rows = [
    { name: 'Model', note: null, auc: d.metrics.auc_roc, f1: d.metrics.f1, precision: d.metrics.precision, recall: d.metrics.recall, threshold: d.threshold },
    {
      name: 'PCA baseline', note: `${b.components} component${b.components === 1 ? '' : 's'} · ${(100 * b.explained_variance).toFixed(1)}% of the variance`,
      auc: b.auc_roc, f1: b.f1, precision: b.precision, recall: b.recall, threshold: b.threshold,
    },
  ];
  return (
    <div class="table-wrap" data-testid="baseline-comparison">
      <table>
        <thead><tr><th /><th>AUC ROC</th><th>F1</th><th>Precision</th><th>Recall</th><th>Threshold</th></tr></thead>
        <tbody>{rows.map((r) => (
          <tr key={r.name}><td>{r.name}{r.note ? <div class="muted"><small>{r.note}</small></div> : null}</td><td class="num">{num(r.auc, 3)}</td><td class="num">{num(r.f1, 3)}</td><td class="num">{num(r.precision, 3)}</td><td class="num">{num(r.recall, 3)}</td><td class="num">{num(r.threshold)}</td></tr>
        ))}</tbody>
      </table>
    </div>
  );
}

/** Why there is no curve: no labels, one class only, or an evaluation stored before curves were recorded. */
function noRocReason(d: EvaluationDetail): string {
  if (d.positives === null) return 'The data has no fault labels, so true and false positive rates cannot be counted.';
  if (d.positives === 0) return 'Every window is labelled normal: a ROC curve needs faulty windows too.';
  if (d.positives === d.windows) return 'Every window is labelled faulty: a ROC curve needs normal windows too.';
  const again = d.kind === 'dataset' ? ' Evaluate the dataset again to draw it.' : '';
  return `This evaluation was stored before the hub recorded ROC points, so only the area is known.${again}`;
}

export function RocCard({ d }: { d: EvaluationDetail }) {
  const roc = d.figures.roc_curve;
  const base = d.figures.baseline_roc_curve;
  const title = d.metrics.auc_roc !== null
    ? `ROC curve · AUC ${num(d.metrics.auc_roc, 3)}${d.baseline?.auc_roc != null ? ` · PCA baseline ${num(d.baseline.auc_roc, 3)}` : ''}`
    : 'ROC curve';
  const merged = roc ? mergeCurves(roc, base) : null;
  return (
    <Card title={title}>
      <div data-testid="roc">
        {merged ? (
          <Chart testId="roc-chart" x={merged.x} xRange={[0, 1]} yRange={[0, 1]} xLabel="false positive rate" yLabel="true positive rate" height={260}
            series={[
              { label: `model · AUC ${auc3(d.metrics.auc_roc)}`, values: merged.model, color: '--chart-1' },
              ...(base ? [{ label: `PCA baseline · AUC ${auc3(d.baseline?.auc_roc)}`, values: merged.baseline, color: '--chart-2' }] : []),
              { label: 'chance', values: merged.x, color: '--muted', dash: [6, 4] },
            ]} />
        ) : <Empty title="No ROC curve">{noRocReason(d)}</Empty>}
      </div>
    </Card>
  );
}
