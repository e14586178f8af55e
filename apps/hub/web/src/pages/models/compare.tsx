import type { ModelCompareResponse, ModelSummary } from '@prometheus/protocol';
import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { post } from '../../api/client.js';
import { architecture, num } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Badge, Card, Empty, ErrorNote, Loading, PageHeader, Select } from '../../ui/kit.js';

const ROWS: { key: 'f1' | 'precision' | 'recall' | 'auc_roc' | 'val_loss'; label: string; better: 'high' | 'low' }[] = [
  { key: 'f1', label: 'F1', better: 'high' }, { key: 'precision', label: 'Precision', better: 'high' },
  { key: 'recall', label: 'Recall', better: 'high' }, { key: 'auc_roc', label: 'AUC ROC', better: 'high' },
  { key: 'val_loss', label: 'Validation loss', better: 'low' },
];

export function ComparePage() {
  const { query, route } = useLocation();
  const models = useApi<ModelSummary[]>('/api/v1/models');
  const [result, setResult] = useState<ModelCompareResponse | undefined>();
  const compare = useAction(async (a: string, b: string) => setResult(await post<ModelCompareResponse>(`/api/v1/models/${a}/compare`, { compare_with: b })));
  useEffect(() => {
    if (query.a && query.b) void compare.run(query.a, query.b);
  }, [query.a, query.b]);
  return (
    <>
      <PageHeader title="Compare models" subtitle="Two models side by side on their own validation figures." />
      <Async state={models} what="Loading models" empty={<Empty title="No models to compare" />}>
        {(list) => list.length < 2 ? <Empty title="Train at least two models to compare them" /> : (
          <Card>
            <form class="form-grid" onSubmit={(e) => {
              e.preventDefault();
              const f = new FormData(e.currentTarget);
              route(`/models/compare?a=${String(f.get('a'))}&b=${String(f.get('b'))}`);
            }}>
              <Select label="Model A" name="a" value={query.a ?? list[0]!.id} options={list.map((m) => [m.id, m.name])} />
              <Select label="Model B" name="b" value={query.b ?? list[1]!.id} options={list.map((m) => [m.id, m.name])} />
              <div class="field"><span>&nbsp;</span><button type="submit" class="primary">Compare</button></div>
            </form>
          </Card>
        )}
      </Async>
      <ErrorNote error={compare.error} />
      {compare.busy ? <Loading what="Comparing" /> : result ? <CompareTable r={result} /> : null}
    </>
  );
}

function CompareTable({ r }: { r: ModelCompareResponse }) {
  const [a, b] = r.models;
  if (!a || !b) return null;
  const best = (key: (typeof ROWS)[number]['key'], better: 'high' | 'low') => {
    const x = a.metrics[key];
    const y = b.metrics[key];
    if (x === null || y === null || x === y) return undefined;
    return (better === 'high') === (x > y) ? a.id : b.id;
  };
  return (
    <Card title="Side by side" actions={r.winner ? <Badge tone="ok">winner: {r.models.find((m) => m.id === r.winner)?.name} (by {r.decided_by.replace('_', ' ')})</Badge> : <Badge>tie</Badge>}>
      <div class="table-wrap">
        <table data-testid="compare">
          <thead><tr><th /><th><a href={`/models/${a.id}`}>{a.name}</a></th><th><a href={`/models/${b.id}`}>{b.name}</a></th></tr></thead>
          <tbody>
            <tr><td>Architecture</td><td>{architecture(a.architecture)}</td><td>{architecture(b.architecture)}</td></tr>
            {ROWS.map((row) => {
              const w = best(row.key, row.better);
              return (
                <tr key={row.key}>
                  <td>{row.label}</td>
                  <td class="num">{num(a.metrics[row.key], 4)} {w === a.id ? <Badge tone="ok">better</Badge> : null}</td>
                  <td class="num">{num(b.metrics[row.key], 4)} {w === b.id ? <Badge tone="ok">better</Badge> : null}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="muted">Advantage of the winner: F1 {num(r.advantage.f1, 3)}, validation loss {num(r.advantage.val_loss)}.</p>
    </Card>
  );
}
