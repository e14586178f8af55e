import { useEffect, useState } from 'preact/hooks';
import { Chart } from '../../ui/chart.js';
import { num, when } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Badge, Card, Empty } from '../../ui/kit.js';
import { parseScores, type ScorePoint } from './series.js';

// Anomaly scores of the model running on a target: the stored history (REST), then live inference
// messages over MQTT; windows the agent flagged are marked on the chart, and its alerts listed.
interface ScoreList {
  threshold: number | null;
  scores: unknown[];
}
interface Alert {
  id: string;
  state: 'raised' | 'cleared';
  raised_at: string;
  cleared_at: string | null;
  peak_score: number | null;
  threshold: number | null;
  message: string;
  kind?: 'anomaly' | 'out_of_range' | 'rule';
  rule?: { fault_condition: string; family: string; operating_state: string; evidence: string[]; since: string } | null;
}

export function useScores(targetId: string) {
  const history = useApi<ScoreList>(`/api/v1/deployments/targets/${targetId}/scores?limit=500`);
  const alerts = useApi<Alert[]>(`/api/v1/deployments/targets/${targetId}/alerts`);
  const [points, setPoints] = useState<ScorePoint[]>([]);
  useEffect(() => {
    if (history.data) setPoints(parseScores(history.data));
  }, [history.data]);
  const threshold = history.data?.threshold ?? null;
  return {
    points, threshold, alerts: alerts.data ?? [],
    onMessage(body: unknown) {
      const kind = (body as { kind?: unknown }).kind;
      if (kind === 'alert' || kind === 'rule_alert') alerts.reload();
      else setPoints((p) => [...p, ...parseScores(body, threshold)].slice(-2000));
    },
  };
}

export function ScoresCard({ live }: { live: ReturnType<typeof useScores> }) {
  const { points, alerts } = live;
  const flagged = points.filter((s) => s.alert).length;
  const threshold = live.threshold ?? points.findLast((s) => s.threshold !== null)?.threshold ?? null;
  const raised = alerts.filter((a) => a.state === 'raised').length;
  return (
    <Card title="Anomaly scores" actions={raised > 0 ? <Badge tone="bad">{raised} alert{raised === 1 ? '' : 's'} raised</Badge> : flagged > 0 ? <Badge tone="warn">{flagged} anomalous windows</Badge> : undefined}>
      {points.length === 0 ? <Empty title="No scores yet">Scores stream in once a model is deployed to this controller and running.</Empty> : (
        <Chart testId="scores-chart" xKind="time" x={points.map((s) => s.t)} height={220} series={[
          { label: 'score', values: points.map((s) => s.score), color: '--chart-2' },
          ...(threshold !== null ? [{ label: 'threshold', values: points.map(() => threshold), color: '--muted', dash: [6, 4] }] : []),
          { label: 'anomalous', values: points.map((s) => (s.alert ? s.score : null)), color: '--chart-bad', pointsOnly: true },
        ]} />
      )}
      {alerts.length > 0 ? (
        <div class="table-wrap" style={{ marginTop: '12px' }}>
          <table data-testid="alerts">
            <thead><tr><th>Alert</th><th>Raised</th><th>Cleared</th><th>Peak score</th><th>Threshold</th></tr></thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Badge tone={a.state === 'raised' ? 'bad' : 'neutral'}>{a.state}</Badge>{' '}
                    {a.kind === 'out_of_range' ? <><Badge tone="info">outside the trained range</Badge>{' '}</> : null}
                    {a.rule ? <><Badge tone="warn">{a.rule.fault_condition} · {a.rule.family.replaceAll('_', ' ')} · {a.rule.operating_state}</Badge>{' '}</> : null}
                    {a.message}
                    {a.rule && a.rule.evidence.length > 1 ? <div class="muted" data-testid="rule-evidence">{a.rule.evidence.slice(1).join(' ')}</div> : null}
                  </td>
                  <td>{when(a.raised_at)}</td><td>{when(a.cleared_at)}</td><td class="num">{num(a.peak_score)}</td><td class="num">{num(a.threshold)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}
