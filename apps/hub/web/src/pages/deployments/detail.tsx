import { useRoute } from 'preact-iso';
import { download } from '../../api/client.js';
import { bytes, num, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, ErrorNote, PageHeader, Stat } from '../../ui/kit.js';
import type { Deployment } from './list.js';
import { finished, Steps } from './steps.js';

export function DeploymentPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const first = useApi<Deployment>(`/api/v1/deployments/${id}`);
  const done = first.data ? finished(first.data.status) : false;
  // Polled while the steps progress; the first answer already tells whether it finished.
  const polled = useApi<Deployment>(first.data && !done ? `/api/v1/deployments/${id}?live` : null, 1500);
  const d = polled.data ?? first.data;
  const binary = useAction(() => download(`/api/v1/deployments/${id}/binary`, `${id}.bin`));
  return (
    <Async state={{ ...first, data: d }} what="Loading deployment">
      {(x) => (
        <>
          <PageHeader title={`Deployment to ${x.target_name}`} subtitle={<>Model <a href={`/models/${x.model_id}`}>{x.model_id}</a></>}
            actions={x.status === 'deployed' ? <Button busy={binary.busy} onClick={() => void binary.run()}>Download package</Button> : undefined} />
          <ErrorNote error={binary.error} />
          <Card title="Progress">
            <Steps status={x.status} />
            {x.status_detail ? <p class="muted">{x.status_detail}</p> : null}
            {x.transfer ? (
              <div class="stack">
                <progress max={x.transfer.bytes_total || 1} value={x.transfer.bytes_acked} aria-label="Transfer" />
                <span class="muted">{bytes(x.transfer.bytes_acked)} of {bytes(x.transfer.bytes_total)} sent{x.transfer.target_online ? '' : ' · waiting for the controller to come online'}</span>
              </div>
            ) : null}
            {x.error ? <div class="alert error" role="alert"><strong>The deployment failed</strong><div>{x.error}</div></div> : null}
            {x.steps && x.steps.length > 0 ? (
              <ul class="issues">{x.steps.map((s) => <li key={`${s.status}${s.at}`}><strong>{s.status}</strong> {when(s.at)}{s.detail ? ` · ${s.detail}` : ''}</li>)}</ul>
            ) : null}
          </Card>
          {x.health ? (
            <Card title="Health check on the controller">
              <div class="stats">
                <Stat label="Score on the controller" value={num(x.health.score)} />
                <Stat label="Score on the hub" value={num(x.health.expected)} />
                <Stat label="Runtime" value={x.health.runtime} />
              </div>
            </Card>
          ) : null}
          <Card title="Details">
            <div class="stats">
              <Stat label="Target" value={x.target_name} hint={x.target_ip ?? undefined} />
              <Stat label="Architecture" value={x.target_arch ?? '—'} />
              <Stat label="Package size" value={bytes(x.binary_size_bytes)} />
              <Stat label="Deployed" value={when(x.deployed_at)} hint={x.deployed_by} />
            </div>
          </Card>
        </>
      )}
    </Async>
  );
}
