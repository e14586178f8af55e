import type { DiagnosisView } from '@prometheus/protocol';
import { num } from '../../ui/format.js';
import { Card } from '../../ui/kit.js';
import { FamilyTag } from './families.js';

// What a diagnosis adds when it was asked for: the model's part (its episodes are drawn with the rules' in the day
// view, fault condition "model") and the standing findings against the reference days.

export function ModelPart({ d }: { d: DiagnosisView }) {
  const m = d.model;
  if (!m) return null;
  const episodes = d.episodes.filter((e) => e.fault_condition === 'model');
  return (
    <Card title="The model's alarms">
      <p data-testid="diagnosis-model">
        Model <a href={`/models/${m.model_id}`}>{m.model_id}</a>: {m.episodes} episode{m.episodes === 1 ? '' : 's'} over {num(m.windows)} windows
        (threshold {num(m.threshold, 3)}, {m.persistence_minutes}-minute persistence); {num(m.out_of_range_windows)} windows lay outside the
        conditions it was trained on and are never alarms.
      </p>
      {episodes.length === 0 ? null : (
        <div class="table-wrap">
          <table data-testid="model-episodes">
            <thead><tr><th>Start</th><th>Minutes</th><th>Family</th><th>Features carrying the error</th><th>Why</th></tr></thead>
            <tbody>
              {episodes.map((e) => (
                <tr key={e.start}>
                  <td>{e.start.replace('T', ' ').slice(0, 16)}</td>
                  <td class="num">{num(e.minutes)}</td>
                  <td><FamilyTag family={e.family} /></td>
                  <td>{(e.top_features ?? []).map((f) => `${f.feature} ${Math.round(f.share * 100)}%`).join(', ')}</td>
                  <td class="wrap">{e.evidence[0]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

export function Standing({ d }: { d: DiagnosisView }) {
  if (!d.reference) return null;
  return (
    <Card title="Standing findings (present on the reference days)">
      <p class="muted">Reference days: {d.reference.days.join(', ') || 'none'} ({d.reference.source === 'model_training_dataset' ? "the model's training dataset" : 'given in the request'}).
        A condition that held there is reported once here for every episode that exceeds its rule's threshold by no more than on the reference days plus one sensor tolerance, however long it lasts; a larger episode is a fault.</p>
      {d.standing.length === 0 ? <p class="muted">Nothing fired on the reference days.</p> : (
        <div class="table-wrap">
          <table data-testid="standing-findings">
            <thead><tr><th>Fault condition</th><th>Family</th><th>Reference days with it</th><th>Most minutes a reference day</th><th>Largest deviation there (+ allowance)</th><th>Days it stood</th><th>Evidence</th></tr></thead>
            <tbody>
              {d.standing.map((s) => (
                <tr key={`${s.fault_condition} ${s.family}`}>
                  <td>{s.fault_condition}</td>
                  <td><FamilyTag family={s.family} /></td>
                  <td class="num">{s.reference.days_present} of {s.reference.days}</td>
                  <td class="num">{num(s.reference.max_minutes_per_day)}</td>
                  <td class="num">{s.reference.max_deviation === undefined ? '-' : `${num(s.reference.max_deviation)} (+ ${num(s.reference.allowance ?? 0)}) ${s.reference.unit ?? ''}`}</td>
                  <td>{s.days.map((x) => `${x.date} (${num(x.minutes)} min${x.deviation === undefined ? '' : `, ${num(x.deviation)}`})`).join(', ')}</td>
                  <td class="wrap">{s.evidence[1] ?? s.evidence[0]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
