import type { TrainingRunDetail, TrainingStopResponse } from '@prometheus/protocol';
import { useRoute } from 'preact-iso';
import { useEffect, useMemo } from 'preact/hooks';
import { post } from '../../api/client.js';
import { useTrainingSocket } from '../../live/training.js';
import { Chart } from '../../ui/chart.js';
import { architecture, duration, num, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Badge, Button, Card, Empty, ErrorNote, Note, PageHeader, Stat } from '../../ui/kit.js';
import { RunStatus } from './list.js';

export function TrainingRunPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const run = useApi<TrainingRunDetail>(`/api/v1/training/${id}`, 4000);
  return <Async state={run} what="Loading run">{(r) => <RunView r={r} reload={run.reload} />}</Async>;
}

function RunView({ r, reload }: { r: TrainingRunDetail; reload(): void }) {
  const live = useTrainingSocket(r.id);
  const stop = useAction(async () => {
    await post<TrainingStopResponse>(`/api/v1/training/${r.id}/stop`);
    reload();
  });
  // The socket only draws the curve and the running epoch: status, times and the model come from the run's
  // record, fetched again the moment the socket says it ended (so "completed" never stands beside "Finished —").
  useEffect(() => {
    if (live.complete) reload();
  }, [live.complete]);
  const status = r.status;
  const active = status === 'running' || status === 'queued';
  const epoch = active ? live.last?.current_epoch ?? r.current_epoch : r.current_epoch;
  const x = useMemo(() => live.points.map((p) => p.epoch), [live.points]);
  const series = useMemo(() => [
    { label: 'train loss', values: live.points.map((p) => p.train), color: '--chart-1' },
    { label: 'validation loss', values: live.points.map((p) => p.val), color: '--chart-2' },
  ], [live.points]);
  const modelId = r.model_id;
  return (
    <>
      <PageHeader title={r.name} subtitle={<><RunStatus status={status} /> {architecture(r.architecture)} on <a href={`/datasets/${r.dataset_id}`}>{r.dataset_id}</a></>}
        actions={<>
          {active ? <Button class="danger" busy={stop.busy} onClick={() => void stop.run()}>Stop training</Button> : null}
          {modelId ? <a class="button primary" href={`/models/${modelId}`}>Open model</a> : null}
          {r.evaluation_id ? <a class="button" href={`/evaluations/${r.evaluation_id}`}>Evaluation</a> : null}
        </>} />
      <ErrorNote error={stop.error} />
      {r.error ? <div class="alert error" role="alert"><strong>The run failed</strong><div>{r.error}</div></div> : null}
      {status === 'queued' ? <Note>Waiting for a free training slot{r.queue_position ? ` (position ${r.queue_position})` : ''}.</Note> : null}
      <Card title="Progress">
        <div class="stats">
          <Stat label="Epoch" value={`${epoch} / ${r.total_epochs}`} />
          <Stat label="Train loss" value={num((active ? live.last?.train_loss : undefined) ?? r.current_train_loss)} />
          <Stat label="Validation loss" value={num((active ? live.last?.val_loss : undefined) ?? r.current_val_loss)} />
          <Stat label="Best validation loss" value={num((active ? live.last?.best_val_loss : undefined) ?? r.best_val_loss)} />
          <Stat label="Elapsed" value={duration((active ? live.last?.elapsed_seconds : undefined) ?? r.training_time_seconds)} />
          <Stat label="Time left" value={active ? duration(live.last?.estimated_remaining_seconds ?? r.estimated_remaining_seconds) : '—'} />
        </div>
        {r.total_epochs > 0 ? <progress max={r.total_epochs} value={epoch} aria-label="Epochs done" style={{ marginTop: '12px' }} /> : null}
      </Card>
      <Card title="Loss" actions={<Badge tone={live.state === 'open' ? 'ok' : 'neutral'}>{live.state === 'open' ? 'live' : live.complete ? 'finished' : live.state}</Badge>}>
        {live.points.length === 0
          ? <Empty title={active ? 'Waiting for the first epoch…' : 'No epochs recorded'} />
          : <Chart testId="loss-chart" x={x} series={series} xLabel="epoch" xIntegers yLabel="loss" height={300} />}
      </Card>
      <Card title="Configuration">
        <div class="stats">
          {Object.entries(r.hyperparameters).filter(([, v]) => v !== null && typeof v !== 'object').map(([k, v]) => <Stat key={k} label={k.replace(/_/g, ' ')} value={String(v)} />)}
          <Stat label="Started" value={when(r.started_at)} testId="run-started" />
          <Stat label="Finished" value={when(r.completed_at)} testId="run-finished" />
        </div>
      </Card>
    </>
  );
}
