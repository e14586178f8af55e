import type { EvaluationSummary } from '@prometheus/protocol';
import { num, pct, when } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Async, Badge, Empty, PageHeader } from '../../ui/kit.js';

export function EvaluationsPage() {
  const list = useApi<EvaluationSummary[]>('/api/v1/evaluations');
  return (
    <>
      <PageHeader title="Evaluations" subtitle="How each model scores: on its validation windows after training, or on another dataset." />
      <Async state={list} what="Loading evaluations" empty={<Empty title="No evaluations yet">Each finished training run is evaluated automatically.</Empty>}>
        {(rows) => (
          <div class="table-wrap">
            <table>
              <thead><tr><th>Evaluation</th><th>Model</th><th>Kind</th><th>F1</th><th>AUC ROC</th><th>Baseline AUC</th><th>Accuracy</th><th>Review</th><th>Created</th></tr></thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.id}>
                    <td><a href={`/evaluations/${e.id}`}>{e.id}</a></td>
                    <td><a href={`/models/${e.model_id}`}>{e.model_id}</a></td>
                    <td>{e.kind === 'training' ? 'validation windows' : 'dataset'}</td>
                    <td class="num">{num(e.metrics.f1, 3)}</td>
                    <td class="num">{num(e.metrics.auc_roc, 3)}</td>
                    <td class="num">{num(e.baseline?.auc_roc, 3)} {e.beats_baseline === null ? null : <Badge tone={e.beats_baseline ? 'ok' : 'bad'}>{e.beats_baseline ? 'beaten' : 'model loses'}</Badge>}</td>
                    <td class="num">{pct(e.metrics.accuracy)}</td>
                    <td>{e.gradient_status === 'none' ? '—' : <Badge tone={e.gradient_status === 'completed' ? 'ok' : e.gradient_status === 'failed' ? 'bad' : 'info'}>{e.gradient_status}</Badge>}</td>
                    <td>{when(e.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </>
  );
}
