import type { EvaluationDetail } from '@prometheus/protocol';
import { num, when } from '../../ui/format.js';
import { Badge, Card, Empty, Loading } from '../../ui/kit.js';

const VERDICT = { ready: ['ok', 'Ready to deploy'], needs_attention: ['warn', 'Needs attention'], not_ready: ['bad', 'Not ready'] } as const;

export function GradientCard({ d }: { d: EvaluationDetail }) {
  const g = d.gradient_evaluation;
  return (
    <Card title="Gradient review">
      {d.gradient_status === 'running' ? <Loading what="Reviewing the model" /> : null}
      {d.gradient_error ? <div class="alert error" role="alert"><strong>The review failed</strong><div>{d.gradient_error}</div></div> : null}
      {!g ? (d.gradient_status === 'running' ? null : <Empty title="Not reviewed yet">Run the Gradient review for 19 checks of calibration, drift, margins and quantization.</Empty>) : (
        <div class="stack">
          <div class="actions">
            <Badge tone={VERDICT[g.review.verdict][0]}>{VERDICT[g.review.verdict][1]}</Badge>
            <span class="muted">by the {g.reviewer === 'llm' ? `language model ${g.model ?? ''}` : 'built-in reviewer'} · {when(g.completed_at)}</span>
          </div>
          <p>{g.review.summary}</p>
          {g.review.findings.length > 0 ? (
            <ul class="issues">{g.review.findings.map((f, i) => <li key={i}><Badge tone={f.severity === 'critical' ? 'bad' : f.severity === 'warning' ? 'warn' : 'info'}>{f.severity}</Badge> {f.message}</li>)}</ul>
          ) : null}
          {g.review.recommendations.length > 0 ? <><strong>Recommendations</strong><ul class="issues">{g.review.recommendations.map((r) => <li key={r}>{r}</li>)}</ul></> : null}
          <details>
            <summary>All 19 metrics</summary>
            <div class="stats">{Object.entries(g.metrics).map(([k, v]) => <div class="stat" key={k}><span class="muted">{k.replace(/_/g, ' ')}</span><strong>{num(v, 3)}</strong></div>)}</div>
          </details>
        </div>
      )}
    </Card>
  );
}
