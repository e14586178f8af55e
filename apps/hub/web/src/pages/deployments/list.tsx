import type { ModelSummary, Target } from '@prometheus/protocol';
import { useLocation } from 'preact-iso';
import { post } from '../../api/client.js';
import { bytes, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, Empty, ErrorNote, PageHeader, Select } from '../../ui/kit.js';
import { Steps } from './steps.js';

export interface Deployment {
  id: string;
  /** Null for a rules-only deployment. */
  model_id: string | null;
  target_ip: string | null;
  target_name: string;
  target_arch?: string | null;
  status: string;
  binary_size_bytes?: number | null;
  deployed_at?: string | null;
  deployed_by?: string;
  error?: string | null;
  /** Additions of the hub's deployments module. */
  target_id?: string;
  status_detail?: string | null;
  steps?: { status: string; at: string; detail: string | null }[];
  transfer?: { bytes_acked: number; bytes_total: number; target_online: boolean } | null;
  health?: { score: number; expected: number; runtime: string } | null;
}

export function DeploymentsPage() {
  const deployments = useApi<Deployment[]>('/api/v1/deployments', 5000);
  return (
    <>
      <PageHeader title="Deployments" subtitle="Models sent to edge controllers, step by step." />
      <DeployForm onDone={deployments.reload} />
      <Async state={deployments} what="Loading deployments" empty={<Empty title="No deployments yet">Pick a model and a controller above.</Empty>}>
        {(rows) => (
          <div class="table-wrap">
            <table>
              <thead><tr><th>Deployment</th><th>Model</th><th>Target</th><th>Progress</th><th>Edge executable</th><th>Deployed</th></tr></thead>
              <tbody>
                {rows.map((d) => (
                  <tr key={d.id}>
                    <td><a href={`/deployments/${d.id}`}>{d.id}</a></td>
                    <td>{d.model_id ? <a href={`/models/${d.model_id}`}>{d.model_id}</a> : <span class="muted">rules only</span>}</td>
                    <td>{d.target_name}<div class="muted">{d.target_ip ?? ''}</div></td>
                    <td><Steps status={d.status} /></td>
                    <td class="num">{bytes(d.binary_size_bytes)}</td>
                    <td>{when(d.deployed_at)}</td>
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

function DeployForm({ onDone }: { onDone(): void }) {
  const { query, route } = useLocation();
  const models = useApi<ModelSummary[]>('/api/v1/models');
  const targets = useApi<Target[]>('/api/v1/deployments/targets');
  const deploy = useAction(async (v: Record<string, string>) => {
    const t = targets.data?.find((x) => x.id === v.target);
    if (!t) throw new Error('Choose a controller.');
    const created = await post<Deployment>('/api/v1/deployments', { model_id: v.model, target_id: t.id });
    onDone();
    route(`/deployments/${created.id}`);
  });
  const live = (targets.data ?? []).filter((t) => t.status !== 'revoked' && t.status !== 'pending');
  return (
    <Card title="Deploy a model">
      <Async state={models} what="Loading models">
        {(ms) => ms.length === 0 ? <Empty title="No models to deploy">Train a model first.</Empty> : live.length === 0 && targets.data ? <Empty title="No enrolled controllers"><a href="/fleet/enroll">Enroll a controller</a> first.</Empty> : (
          <form class="form-grid" onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            void deploy.run({ model: String(f.get('model')), target: String(f.get('target')) });
          }}>
            <Select label="Model" name="model" value={query.model ?? ms[0]?.id} options={ms.map((m) => [m.id, m.name])} />
            <Select label="Controller" name="target" value={query.target ?? live[0]?.id} options={live.map((t) => [t.id, `${t.name} (${t.status})`])} />
            <div class="field"><span>&nbsp;</span><Button class="primary" type="submit" busy={deploy.busy}>Deploy</Button></div>
          </form>
        )}
      </Async>
      <ErrorNote error={deploy.error ?? targets.error} context={{ action: 'deploy' }} />
    </Card>
  );
}
