import type { ModelSummary, RolloutDetail, RolloutSummary, Target } from '@prometheus/protocol';
import { useLocation } from 'preact-iso';
import { post } from '../../api/client.js';
import { when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, Empty, ErrorNote, Field, PageHeader, Select, formValues } from '../../ui/kit.js';
import { RolloutBar, StatusBadge } from './parts.js';

// Rollouts: one model to many controllers, a canary first, then waves; the list and the form to start one.
export function RolloutsPage() {
  const rollouts = useApi<RolloutSummary[]>('/api/v1/rollouts', 3000);
  return (
    <>
      <PageHeader title="Rollouts" subtitle="A model sent to a group of controllers: a canary first, then waves that stop by themselves when targets fail." />
      <RolloutForm />
      <Async state={rollouts} what="Loading rollouts" empty={<Empty title="No rollouts yet">Pick a model and the controllers' tags above.</Empty>}>
        {(rows) => (
          <div class="table-wrap">
            <table data-testid="rollouts-table">
              <thead><tr><th>Rollout</th><th>Model</th><th>Status</th><th>Progress</th><th>Started</th></tr></thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td><a href={`/rollouts/${r.id}`}>{r.id}</a></td>
                    <td>{r.model_id ? <a href={`/models/${r.model_id}`}>{r.model_id}</a> : r.agent_version}</td>
                    <td><StatusBadge status={r.status} />{r.reason ? <div class="muted">{r.reason}</div> : null}</td>
                    <td><RolloutBar counts={r.counts} /></td>
                    <td>{when(r.created_at)}</td>
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

/** `group:a,b site:warren` -> {group: ['a', 'b'], site: 'warren'}. */
export function parseTags(text: string): Record<string, string | string[]> {
  const tags: Record<string, string | string[]> = {};
  for (const part of text.trim().split(/\s+/).filter(Boolean)) {
    const at = part.indexOf(':');
    if (at <= 0) throw new Error(`'${part}' is not key:value (several values: key:a,b)`);
    const values = part.slice(at + 1).split(',').filter(Boolean);
    tags[part.slice(0, at)] = values.length === 1 ? values[0] as string : values;
  }
  return tags;
}

function RolloutForm() {
  const { route } = useLocation();
  const models = useApi<ModelSummary[]>('/api/v1/models');
  const targets = useApi<Target[]>('/api/v1/deployments/targets');
  const start = useAction(async (v: Record<string, string>) => {
    const health = v.alarm ? { max_alarm_rate_increase: Number(v.alarm) / 100 } : {};
    const created = await post<RolloutDetail>('/api/v1/rollouts', {
      model_id: v.model, selector: { tags: parseTags(v.tags ?? '') },
      strategy: { canary: Number(v.canary ?? 1), batch_percent: Number(v.batch ?? 25), interval_seconds: Number(v.interval ?? 300), max_failure_percent: Number(v.failures ?? 0), health },
    });
    route(`/rollouts/${created.id}`);
  });
  const tagHint = [...new Set((targets.data ?? []).flatMap((t) => Object.entries(t.tags).map(([k, x]) => `${k}:${x}`)))].slice(0, 8).join(' ');
  return (
    <Card title="Start a rollout">
      <Async state={models} what="Loading models">
        {(ms) => ms.length === 0 ? <Empty title="No models to roll out">Train a model first.</Empty> : (
          <form class="form-grid" data-testid="rollout-form" onSubmit={(e) => {
            e.preventDefault();
            void start.run(formValues(e));
          }}>
            <Select label="Model" name="model" value={ms[0]?.id} options={ms.map((m) => [m.id, m.name])} />
            <Field label="Controllers with tags" name="tags" required placeholder="group:a,b site:warren" hint={tagHint ? `In your fleet: ${tagHint}` : 'key:value, several values key:a,b'} />
            <Field label="Canary targets" name="canary" type="number" min={0} value="1" />
            <Field label="Wave size (% of targets)" name="batch" type="number" min={1} max={100} value="25" />
            <Field label="Wait between waves (s)" name="interval" type="number" min={0} value="300" />
            <Field label="Failures that halt (%)" name="failures" type="number" min={0} max={100} value="0" />
            <Field label="Alarm-rate rise that halts (points, %)" name="alarm" type="number" min={0} max={100} placeholder="off" />
            <div class="field"><span>&nbsp;</span><Button class="primary" type="submit" busy={start.busy}>Start rollout</Button></div>
          </form>
        )}
      </Async>
      <ErrorNote error={start.error ?? targets.error} context={{ action: 'deploy' }} />
    </Card>
  );
}
