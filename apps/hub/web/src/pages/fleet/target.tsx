import type { DatasetPreview, Target, TelemetryBatch } from '@prometheus/protocol';
import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, post } from '../../api/client.js';
import { useDeviceTopics } from '../../live/mqtt.js';
import { Chart } from '../../ui/chart.js';
import { ago, num, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, Empty, ErrorNote, PageHeader, Stat } from '../../ui/kit.js';
import { PointMapCard } from '../points/editor.js';
import { formatTags, LiveNote, parseTags, StatusBadge, TagList, useNow, withStatus } from './list.js';
import { DriftCard } from './drift.js';
import { ScoresCard, useScores } from './scores.js';
import { appendBatch, emptySeries, fromPreview, type Series } from './series.js';

const COLORS = ['--chart-1', '--chart-2', '--chart-3', '--chart-4'];

export function TargetPage() {
  const { params } = useRoute();
  const target = useApi<Target>(`/api/v1/deployments/targets/${params.id ?? ''}`, 15_000);
  return <Async state={target} what="Loading target">{(t) => <TargetView t={t} reload={target.reload} />}</Async>;
}

function useHistory(datasetId: string | null): Series {
  const q = new URLSearchParams({ page: '1', page_size: '500', sort_col: 'timestamp', sort_dir: 'desc' });
  const preview = useApi<DatasetPreview>(datasetId ? `/api/v1/datasets/${datasetId}/preview?${q}` : null);
  return preview.data ? fromPreview(preview.data, 'timestamp') : emptySeries();
}

function TargetView({ t: base, reload }: { t: Target; reload(): void }) {
  const { route } = useLocation();
  const history = useHistory(base.dataset_id);
  const [series, setSeries] = useState<Series>(emptySeries());
  const scores = useScores(base.id);
  const [t, setT] = useState(base);
  useEffect(() => setT(base), [base]);
  useEffect(() => setSeries(history), [history.t.length, history.t[history.t.length - 1]]);
  const live = useDeviceTopics(base.status === 'revoked' ? [] : [base.id], ['status', 'telemetry', 'inference'], (_id, leaf, body) => {
    if (leaf === 'status') setT((cur) => withStatus(cur, body as object));
    if (leaf === 'telemetry') setSeries((s) => appendBatch(s, body as TelemetryBatch));
    if (leaf === 'inference') scores.onMessage(body);
  });
  const now = useNow();
  const revoke = useAction(async () => {
    if (!confirm(`Revoke ${t.name}? Its credentials stop working at once.`)) return;
    await post(`/api/v1/deployments/targets/${t.id}/revoke`);
    reload();
  });
  const rename = useAction(async () => {
    const name = prompt('New name', t.name);
    if (!name || name === t.name) return;
    await api('PATCH', `/api/v1/deployments/targets/${t.id}`, { body: { name } });
    reload();
  });
  const retag = useAction(async () => {
    const text = prompt('Tags (key=value, separated by commas; empty clears them)', formatTags(t.tags));
    if (text === null) return;
    await api('PATCH', `/api/v1/deployments/targets/${t.id}`, { body: { tags: parseTags(text) } });
    reload();
  });
  return (
    <>
      <PageHeader title={t.name} subtitle={<><StatusBadge status={t.status} /> last seen {ago(t.last_seen, now)} {t.status !== 'revoked' ? <LiveNote state={live} /> : null}</>}
        actions={<>
          <a class="button primary" href={`/deployments?target=${t.id}`}>Deploy a model</a>
          <Button busy={rename.busy} onClick={() => void rename.run()}>Rename</Button>
          <Button busy={retag.busy} onClick={() => void retag.run()}>Edit tags</Button>
          {t.status !== 'revoked' ? <Button class="danger" busy={revoke.busy} onClick={() => void revoke.run()}>Revoke</Button> : null}
          <button type="button" onClick={() => route('/fleet')}>Back</button>
        </>} />
      <ErrorNote error={revoke.error ?? rename.error ?? retag.error} />
      <Card title="Controller">
        <div class="stats">
          <Stat label="Readings stored" value={num(t.readings_stored)} />
          <Stat label="Outbox" value={t.outbox_depth === null ? '—' : num(t.outbox_depth)} />
          <Stat label="Dropped by the agent" value={num(t.dropped_total)} />
          <Stat label="Model" value={t.current_model ? `${t.current_model} ${t.current_model_version ?? ''}` : 'none'} />
          <Stat label="Agent" value={t.agent_version ?? '—'} hint={t.arch ?? undefined} />
          <Stat label="Enrolled" value={when(t.created_at)} />
        </div>
        {Object.keys(t.tags ?? {}).length > 0 ? <p>Tags: <TagList tags={t.tags} /></p> : null}
        {t.dataset_id ? <p><a href={`/datasets/${t.dataset_id}`}>Open the dataset its readings grow</a></p> : null}
      </Card>
      <TelemetryCard series={series} />
      <ScoresCard live={scores} />
      <DriftCard targetId={t.id} />
      <PointMapCard base={`/api/v1/deployments/targets/${t.id}/points`} name={t.name} />
    </>
  );
}

function TelemetryCard({ series }: { series: Series }) {
  const cols = series.columns.slice(0, 4);
  return (
    <Card title="Telemetry" actions={<span class="muted">{num(series.t.length)} readings{series.columns.length > 4 ? ` · first 4 of ${series.columns.length} sensors` : ''}</span>}>
      {series.t.length === 0 ? <Empty title="No readings yet">Readings appear here as the controller sends them.</Empty> : (
        <Chart testId="telemetry-chart" xKind="time" x={series.t} height={280}
          series={cols.map((c, i) => ({ label: c, values: series.values[c] ?? [], color: COLORS[i % COLORS.length]! }))} />
      )}
    </Card>
  );
}
