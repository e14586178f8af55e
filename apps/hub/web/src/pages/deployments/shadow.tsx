import type { DeploymentDetail, ShadowReport } from '@prometheus/protocol';
import { post } from '../../api/client.js';
import { num, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Badge, Button, Card, ErrorNote, Stat } from '../../ui/kit.js';

// A shadow deployment beside the live model: how often the two agree, each one's alarm rate, how their scores
// move together; promoting makes it live (the live one stays on the controller: promoting that one rolls back).
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

export function ShadowCard({ d, reload }: { d: DeploymentDetail; reload(): void }) {
  const report = useApi<ShadowReport>(d.mode === 'shadow' || d.promotion ? `/api/v1/deployments/${d.id}/shadow` : null, 15_000);
  const promote = useAction(async () => {
    if (!confirm(`Make this model live on ${d.target_name}? The live model stays on the controller for a rollback.`)) return;
    await post(`/api/v1/deployments/${d.id}/promote`);
    reload();
  });
  const r = report.data;
  const canPromote = (d.status === 'deployed' && d.mode === 'shadow') || d.status === 'superseded';
  return (
    <Card title={d.mode === 'shadow' ? 'Shadow beside the live model' : 'Before its promotion, as a shadow'}
      actions={<>
        {d.promotion ? <Badge tone={d.promotion.state === 'failed' ? 'bad' : d.promotion.state === 'done' ? 'ok' : 'warn'}>promotion {d.promotion.state}</Badge> : null}
        {canPromote && d.promotion?.state !== 'pending' ? <Button busy={promote.busy} onClick={() => void promote.run()}>{d.mode === 'shadow' ? 'Promote to live' : 'Roll back to this model'}</Button> : null}
      </>}>
      <ErrorNote error={promote.error} />
      {d.promotion?.reason ? <p class="muted">{d.promotion.reason}</p> : null}
      {r ? (
        <div class="stats" data-testid="shadow-report">
          <Stat label="Windows compared" value={num(r.windows)} hint={r.first_window ? `${when(r.first_window)} to ${when(r.last_window)}` : undefined} />
          <Stat label="Agreement" value={pct(r.agreement)} />
          <Stat label="Score correlation" value={r.score_correlation === null ? '—' : r.score_correlation.toFixed(3)} />
          <Stat label="Live alarm rate" value={pct(r.live.alarm_rate)} hint={`${num(r.live.alarms_raised)} alerts raised`} />
          <Stat label="Shadow alarm rate" value={pct(r.shadow.alarm_rate)} hint={`${num(r.shadow.alarms_raised)} alarms recorded, never raised`} />
        </div>
      ) : <p class="muted">No windows compared yet: the controller scores each new window with both models.</p>}
    </Card>
  );
}
