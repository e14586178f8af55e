import type { EvaluationDetail } from '@prometheus/protocol';
import { useRoute } from 'preact-iso';
import { post } from '../../api/client.js';
import { Chart } from '../../ui/chart.js';
import { num, pct, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, Empty, ErrorNote, PageHeader, Stat } from '../../ui/kit.js';
import { AlarmsCard } from './alarms.js';
import { BaselineTable, BaselineVerdict, RocCard } from './baseline.js';
import { GradientCard } from './gradient.js';

export function EvaluationPage() {
  const { params } = useRoute();
  const ev = useApi<EvaluationDetail>(`/api/v1/evaluations/${params.id ?? ''}`);
  const running = ev.data?.gradient_status === 'running';
  const poll = useApi<EvaluationDetail>(running ? `/api/v1/evaluations/${params.id ?? ''}?poll` : null, 3000);
  const e = poll.data && poll.data.gradient_status !== 'running' ? poll.data : ev.data;
  const gradient = useAction(async () => {
    await post(`/api/v1/evaluations/${params.id ?? ''}/gradient`);
    ev.reload();
  });
  return (
    <Async state={{ ...ev, data: e }} what="Loading evaluation">
      {(d) => (
        <>
          <PageHeader title={`Evaluation ${d.id}`} subtitle={<>Model <a href={`/models/${d.model_id}`}>{d.model_id}</a> on {d.kind === 'training' ? 'its validation windows' : <a href={`/datasets/${d.dataset_id}`}>{d.dataset_id}</a>} · {when(d.created_at)}</>}
            actions={<Button busy={gradient.busy || d.gradient_status === 'running'} onClick={() => void gradient.run()}>{d.gradient_evaluation ? 'Review again' : 'Run Gradient review'}</Button>} />
          <ErrorNote error={gradient.error} />
          <BaselineVerdict d={d} />
          <Card title="Metrics">
            <div class="stack">
              <div class="stats" data-testid="evaluation-metrics">
                <Stat label="Accuracy" value={pct(d.metrics.accuracy)} />
                <Stat label="Precision" value={num(d.metrics.precision, 3)} />
                <Stat label="Recall" value={num(d.metrics.recall, 3)} />
                <Stat label="F1" value={num(d.metrics.f1, 3)} />
                <Stat label="AUC ROC" value={num(d.metrics.auc_roc, 3)} />
                <Stat label="Validation loss" value={num(d.metrics.val_loss)} />
                <Stat label="Threshold" value={num(d.threshold)} />
                <Stat label="Windows" value={num(d.windows)} hint={d.positives === null ? 'no fault labels' : `${num(d.positives)} faulty`} />
                {d.out_of_range_windows > 0 && (
                  <Stat label="Outside the trained range" value={pct(d.out_of_range_share)} hint={`${num(d.out_of_range_windows)} windows left out of the metrics`} />
                )}
              </div>
              <BaselineTable d={d} />
            </div>
          </Card>
          <div class="grid two">
            <ConfusionCard d={d} />
            <RocCard d={d} />
          </div>
          <AlarmsCard d={d} />
          <CurvesCard d={d} />
          <GradientCard d={d} />
        </>
      )}
    </Async>
  );
}

function ConfusionCard({ d }: { d: EvaluationDetail }) {
  const m = d.confusion_matrix;
  return (
    <Card title="Confusion matrix">
      {!m ? <Empty title="No fault labels">The data has no fault column, so hits and misses cannot be counted.</Empty> : (
        <div class="matrix" data-testid="confusion-matrix">
          <div /><div class="muted">predicted fault</div><div class="muted">predicted normal</div>
          <div class="muted">actual fault</div><div class="hit">{num(m.true_positive)}<br /><small>true positive</small></div><div class="miss">{num(m.false_negative)}<br /><small>missed</small></div>
          <div class="muted">actual normal</div><div class="miss">{num(m.false_positive)}<br /><small>false alarm</small></div><div class="hit">{num(m.true_negative)}<br /><small>true negative</small></div>
        </div>
      )}
    </Card>
  );
}

function CurvesCard({ d }: { d: EvaluationDetail }) {
  const c = d.training_curves;
  return (
    <Card title="Training curves">
      {c.epochs.length === 0 ? <Empty title="No training curves" /> : (
        <Chart testId="curves-chart" x={c.epochs} xLabel="epoch" xIntegers yLabel="loss" height={260}
          series={[{ label: 'train loss', values: c.train_loss, color: '--chart-1' }, { label: 'validation loss', values: c.val_loss, color: '--chart-2' }]} />
      )}
    </Card>
  );
}
