import type { RolloutDetail } from '@prometheus/protocol';
import { useRoute } from 'preact-iso';
import { post } from '../../api/client.js';
import { when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, ErrorNote, Note, PageHeader, Stat } from '../../ui/kit.js';
import { useRolloutSocket } from '../../live/rollout.js';
import { RolloutBar, StatusBadge } from './parts.js';

// One rollout, live: the hub pushes its state on every change over /ws/rollouts/:id.
export function RolloutPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const first = useApi<RolloutDetail>(`/api/v1/rollouts/${id}`);
  const live = useRolloutSocket(id);
  const r = live.detail ?? first.data;
  const control = useAction(async (action: 'pause' | 'resume' | 'abort') => {
    if (action === 'abort' && !confirm('Abort the rollout? Deployments in progress stop; nothing is rolled back.')) return;
    first.set(await post<RolloutDetail>(`/api/v1/rollouts/${id}/${action}`, {}));
  });
  return (
    <Async state={{ ...first, data: r }} what="Loading rollout">
      {(x) => (
        <>
          <PageHeader title={`Rollout of ${x.model_id ?? x.agent_version}`} subtitle={<>{x.id} · started {when(x.created_at)} by {x.created_by} · <span data-testid="rollout-live">{live.state === 'open' ? 'live' : 'reconnecting…'}</span></>}
            actions={<>
              {x.status === 'running' ? <Button busy={control.busy} onClick={() => void control.run('pause')}>Pause</Button> : null}
              {x.status === 'paused' ? <Button busy={control.busy} onClick={() => void control.run('resume')}>Resume</Button> : null}
              {x.status === 'running' || x.status === 'paused' ? <Button class="danger" busy={control.busy} onClick={() => void control.run('abort')}>Abort</Button> : null}
            </>} />
          <ErrorNote error={control.error} />
          {x.reason ? <Note kind="warn"><strong>{x.status === 'halted' ? 'Halted by itself' : 'Stopped'}:</strong> {x.reason}</Note> : null}
          <Card title="Progress">
            <div class="stats">
              <Stat label="Status" value={<span data-testid="rollout-status">{x.status}</span>} />
              <Stat label="Wave" value={`${Math.min(x.current_wave + 1, x.wave_count)} of ${x.wave_count}`} />
              <Stat label="Strategy" value={`canary ${x.strategy.canary}, waves of ${x.strategy.batch_percent}%`} hint={`${x.strategy.interval_seconds} s apart; halts above ${x.strategy.max_failure_percent}% failed`} />
            </div>
            <RolloutBar counts={x.counts} />
          </Card>
          <Card title="Waves">
            <ol class="issues" data-testid="rollout-waves">
              {x.waves.map((w) => (
                <li key={w.index} data-wave={w.index} data-status={w.status}>
                  <strong>{w.kind === 'canary' ? 'Canary' : `Wave ${w.index}`}</strong> <StatusBadge status={w.status} /> {w.target_ids.length} targets
                  {w.failed ? ` · ${w.failed} failed` : ''}{w.started_at ? ` · started ${when(w.started_at)}` : ''}
                  {w.alarm_checks.map((c) => <div key={c.target_id} class="muted">alarm rate {c.target_id}: {pctOrNone(c.before)} before ({c.windows_before} windows), {pctOrNone(c.after)} after ({c.windows_after}){c.exceeded ? ' — jumped' : ''}</div>)}
                </li>
              ))}
            </ol>
          </Card>
          <Card title="Targets">
            <div class="table-wrap">
              <table data-testid="rollout-targets">
                <thead><tr><th>Target</th><th>Wave</th><th>State</th><th>Deployment</th><th>Previous model</th><th>Detail</th></tr></thead>
                <tbody>
                  {x.targets.map((t) => (
                    <tr key={t.target_id} data-target={t.target_name} data-state={t.state}>
                      <td><a href={`/fleet/${t.target_id}`}>{t.target_name}</a></td>
                      <td class="num">{t.wave}</td>
                      <td><StatusBadge status={t.state} /></td>
                      <td>{t.deployment_id ? <a href={`/deployments/${t.deployment_id}`}>{t.deployment_id}</a> : '—'}{t.rollback_deployment_id ? <div class="muted">rollback <a href={`/deployments/${t.rollback_deployment_id}`}>{t.rollback_deployment_id}</a></div> : null}</td>
                      <td>{t.previous_model_id ?? '—'}</td>
                      <td class="muted">{t.detail ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        </>
      )}
    </Async>
  );
}

const pctOrNone = (x: number | null) => (x === null ? 'none' : `${(x * 100).toFixed(1)}%`);
