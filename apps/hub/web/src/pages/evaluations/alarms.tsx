import type { EvaluationDetail } from '@prometheus/protocol';
import { num, when } from '../../ui/format.js';
import { Card, Empty } from '../../ui/kit.js';

// The evaluation's alarms: windows above the threshold merged into episodes, each with the sensors that carry
// most of its reconstruction error (what to look at first) and the Guideline 36 fault conditions that fired during
// it (from the dataset's point map; `rules_status` says why there are none).
const RULES_NOTE: Partial<Record<NonNullable<EvaluationDetail['rules_status']>, string>> = {
  no_point_map: 'No rules named: no column of this dataset is mapped to an AFDD input (map them on the dataset\'s points).',
  no_runnable_rules: 'No rules named: the mapped points are not enough for any fault condition.',
  failed: 'No rules named: the rules could not run on this dataset.',
};

export function AlarmsCard({ d }: { d: EvaluationDetail }) {
  const alarms = d.alarms;
  const total = d.alarm_episodes ?? 0;
  const title = alarms ? `Alarms · ${num(total)}${alarms.length < total ? ` (the ${alarms.length} highest shown)` : ''}` : 'Alarms';
  return (
    <Card title={title}>
      {!alarms ? <Empty title="Not recorded">This evaluation was stored before alarms were recorded.</Empty>
        : alarms.length === 0 ? <Empty title="No alarms">No window scored above the threshold ({num(d.threshold)}).</Empty> : (
          <div class="table-wrap" data-testid="alarms">
            <table>
              <thead><tr><th>From</th><th>To</th><th>Windows</th><th>Peak score</th><th>Error carried by</th><th>Rules</th></tr></thead>
              <tbody>{alarms.map((a) => (
                <tr key={a.start}>
                  <td>{when(a.start)}</td><td>{when(a.end)}</td><td class="num">{num(a.windows)}</td><td class="num">{num(a.peak_score)}</td>
                  <td>{a.top_features ? a.top_features.map((f) => `${f.feature} ${(100 * f.share).toFixed(0)}%`).join(' · ') : '—'}</td>
                  <td>{a.rules.length > 0 ? a.rules.map((r) => `${r.fault_condition} (${r.family}${r.minutes_overlap !== undefined ? `, ${Math.round(r.minutes_overlap)} min` : ''})`).join(', ') : '—'}</td>
                </tr>
              ))}</tbody>
            </table>
            {d.rules_status && RULES_NOTE[d.rules_status] ? <p class="muted" data-testid="rules-note">{RULES_NOTE[d.rules_status]}</p> : null}
          </div>
        )}
    </Card>
  );
}
