import type { Recommendation, RecommendResponse } from '@prometheus/protocol';
import { architecture, pct } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Async, Badge, Card, Empty } from '../../ui/kit.js';

/** Link to the training form prefilled from a recommendation (architecture and hyperparameters). */
export function trainHref(datasetId: string, r: Recommendation): string {
  const q = new URLSearchParams({ dataset: datasetId, architecture: r.architecture, hp: JSON.stringify(r.hyperparameters) });
  return `/training/new?${q}`;
}

export function Recommendations({ id, validated }: { id: string; validated: boolean }) {
  const rec = useApi<RecommendResponse>(`/api/v1/datasets/${id}/recommend`);
  return (
    <Card title="Recommended models">
      <Async state={rec} what="Analysing the dataset">
        {(r) => r.recommendations.length === 0 ? <Empty title="No recommendation for this data" /> : (
          <div class="grid">
            {r.recommendations.map((m) => (
              <div class="card" key={m.architecture} data-testid="recommendation">
                <div class="card-head">
                  <h2>{architecture(m.architecture)}</h2>
                  <Badge tone={m.match_score >= 0.8 ? 'ok' : m.match_score >= 0.5 ? 'info' : 'neutral'}>{pct(m.match_score)} match</Badge>
                </div>
                <p><strong>{m.use_case}.</strong> {m.description}</p>
                <p class="muted">In: {m.inputs}. Out: {m.outputs}.</p>
                {m.reasons.length > 0 ? <ul class="issues muted">{m.reasons.map((x) => <li key={x}>{x}</li>)}</ul> : null}
                <a class={`button ${validated ? 'primary' : ''}`} href={trainHref(id, m)}>Train this</a>
              </div>
            ))}
          </div>
        )}
      </Async>
    </Card>
  );
}
