import type { DeploymentDetail } from '@prometheus/protocol';
import { useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { download } from '../../api/client.js';
import { bytes, num, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, ErrorNote, PageHeader, Stat } from '../../ui/kit.js';
import { ShadowCard } from './shadow.js';
import { finished, Steps } from './steps.js';

export function DeploymentPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const first = useApi<DeploymentDetail>(`/api/v1/deployments/${id}`);
  const [done, setDone] = useState(false);
  // Polled while the steps progress, until an answer says it finished (the first may already).
  const polled = useApi<DeploymentDetail>(first.data && !done ? `/api/v1/deployments/${id}?live` : null, 1500);
  const d = polled.data ?? first.data;
  useEffect(() => {
    if (d && finished(d.status)) setDone(true);
  }, [d?.status]);
  const binary = useAction(() => download(`/api/v1/deployments/${id}/binary`, `prometheus-edge-${id}`));
  return (
    <Async state={{ ...first, data: d }} what="Loading deployment">
      {(x) => (
        <>
          <PageHeader title={`Deployment to ${x.target_name}`} subtitle={<DeploymentContents d={x} />}
            actions={x.binary_size_bytes !== null ? <Button busy={binary.busy} onClick={() => void binary.run()}>Download edge executable</Button> : undefined} />
          <ErrorNote error={binary.error} />
          <Card title="Progress">
            <Steps status={x.status} />
            {x.status_detail ? <p class="muted" data-testid="deploy-detail">{x.status_detail}</p> : null}
            {x.transfer ? <Transfer status={x.status} transfer={x.transfer} /> : null}
            {x.error ? <div class="alert error" role="alert"><strong>The deployment failed</strong><div>{x.error}</div></div> : null}
            {x.steps && x.steps.length > 0 ? (
              <ul class="issues">{x.steps.map((s) => <li key={`${s.status}${s.at}`}><strong>{s.status}</strong> {when(s.at)}{s.detail ? ` · ${s.detail}` : ''}</li>)}</ul>
            ) : null}
          </Card>
          {x.mode === 'shadow' || x.promotion ? <ShadowCard d={x} reload={first.reload} /> : null}
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
              {/* The package the controller received (model, manifest, signature); the edge executable is another file. */}
              <Stat label="Package size" value={bytes(x.package?.size_bytes)} hint={x.package ? `${num(x.package.size_bytes)} bytes${x.package.quantized ? ', int8' : ''}` : undefined} testId="package-size" />
              {x.binary_size_bytes !== null ? <Stat label="Edge executable (armv7)" value={bytes(x.binary_size_bytes)} /> : null}
              <Stat label="Deployed" value={when(x.deployed_at)} hint={x.deployed_by} />
            </div>
          </Card>
        </>
      )}
    </Async>
  );
}

/** Bytes the controller confirmed; "waiting" only while a transfer is due and the controller is away. */
function Transfer({ status, transfer }: { status: string; transfer: NonNullable<DeploymentDetail['transfer']> }) {
  const waiting = status === 'transferring' && !transfer.target_online;
  return (
    <div class="stack">
      <progress max={transfer.bytes_total || 1} value={transfer.bytes_acked} aria-label="Transfer" />
      <span class="muted" data-testid="deploy-transfer">
        {bytes(transfer.bytes_acked)} of {bytes(transfer.bytes_total)} {status === 'deployed' ? 'received by the controller' : 'sent'}
        {waiting ? ' · waiting for the controller to come online' : ''}
      </span>
    </div>
  );
}

/** What the deployment carries: the model, the Guideline 36 rules, or the rules alone. */
function DeploymentContents({ d }: { d: DeploymentDetail }) {
  const rules = d.rules ? `Guideline 36 rules on ${d.rules.inputs.length} input${d.rules.inputs.length === 1 ? '' : 's'} (${d.rules.inputs.join(', ')})` : null;
  if (!d.model_id) return <span data-testid="deployment-contents">Rules only, no model{rules ? ` · ${rules}` : ''}</span>;
  return <span data-testid="deployment-contents">Model <a href={`/models/${d.model_id}`}>{d.model_id}</a>{rules ? ` · ${rules}` : ''}</span>;
}
