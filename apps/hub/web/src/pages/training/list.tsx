import type { TrainingQueueResponse, TrainingRunSummary } from '@prometheus/protocol';
import { architecture, duration, num, when } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Async, Badge, Card, Empty, PageHeader, Stat } from '../../ui/kit.js';

export function RunStatus({ status }: { status: TrainingRunSummary['status'] }) {
  const tone = status === 'completed' ? 'ok' : status === 'failed' ? 'bad' : status === 'running' ? 'info' : status === 'queued' ? 'warn' : 'neutral';
  return <Badge tone={tone}>{status}</Badge>;
}

export function TrainingPage() {
  const queue = useApi<TrainingQueueResponse>('/api/v1/training/queue', 5000);
  const runs = useApi<TrainingRunSummary[]>('/api/v1/training', 5000);
  return (
    <>
      <PageHeader title="Training" subtitle="Runs on this hub: queued, running and finished." actions={<a class="button primary" href="/training/new">Start training</a>} />
      <Card title="Queue">
        <Async state={queue} what="Loading queue">
          {(q) => (
            <div class="stats" data-testid="queue">
              <Stat label="Training now" value={q.active_trainings} />
              <Stat label="Waiting" value={q.queued} />
              <Stat label="At once (max)" value={q.max_concurrent} />
              <Stat label="Free slots" value={q.capacity_available} />
            </div>
          )}
        </Async>
      </Card>
      <Async state={runs} what="Loading runs" empty={<Empty title="No training runs yet">Validate a dataset, then start training from it or from one of its recommendations.</Empty>}>
        {(rows) => (
          <div class="table-wrap">
            <table>
              <thead><tr><th>Run</th><th>Architecture</th><th>Status</th><th>Epoch</th><th>Best val. loss</th><th>Time</th><th>Started</th><th>Model</th></tr></thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td><a href={`/training/${r.id}`}>{r.id}</a></td>
                    <td>{architecture(r.architecture)}</td>
                    <td><RunStatus status={r.status} /></td>
                    <td class="num">{r.current_epoch} / {r.total_epochs}</td>
                    <td class="num">{num(r.best_val_loss)}</td>
                    <td class="num">{duration(r.training_time_seconds)}</td>
                    <td>{when(r.started_at)}</td>
                    <td>{r.model_id ? <a href={`/models/${r.model_id}`}>{r.model_id}</a> : '—'}</td>
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
