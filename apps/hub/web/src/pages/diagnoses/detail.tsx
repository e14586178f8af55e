import type { DatasetDetail, DiagnosisView, FaultFamily } from '@prometheus/protocol';
import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ago, duration, num, when } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Async, Card, Empty, Loading, PageHeader, Stat } from '../../ui/kit.js';
import { DayView } from './day.js';
import { ModelPart, Standing } from './extras.js';
import { FamilyLegend, FamilyTag } from './families.js';
import { DiagnosisStatus } from './list.js';

// A diagnosis: polled while the rules run, then its days (one chart each with the episodes as bands), the
// rules that could not run and why, and the minimum outdoor-air position the rules used.
export function DiagnosisPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const [running, setRunning] = useState(true);
  const diagnosis = useApi<DiagnosisView>(`/api/v1/diagnoses/${id}`, running ? 1000 : undefined);
  const status = diagnosis.data?.status;
  useEffect(() => {
    if (status && status !== 'running') setRunning(false);
  }, [status]);
  return <Async state={diagnosis} what="Loading diagnosis">{(d) => <DiagnosisViewPage d={d} />}</Async>;
}

function DiagnosisViewPage({ d }: { d: DiagnosisView }) {
  const dataset = useApi<DatasetDetail>(`/api/v1/datasets/${d.dataset_id}`);
  const name = dataset.data?.name ?? d.dataset_id;
  return (
    <>
      <PageHeader title={`Diagnosis of ${name}`}
        subtitle={<><DiagnosisStatus status={d.status} /> started {when(d.created_at)}{d.completed_at ? ` · finished ${when(d.completed_at)}` : ''}</>}
        actions={<a class="button" href={`/datasets/${d.dataset_id}`}>Back to the dataset</a>} />
      {d.status === 'running' ? <Running d={d} /> : null}
      {d.status === 'failed' ? <div class="alert error" role="alert"><strong>The diagnosis failed</strong><div>{d.error}</div></div> : null}
      {d.status === 'completed' ? <Completed d={d} /> : null}
      <Inputs d={d} />
    </>
  );
}

function Running({ d }: { d: DiagnosisView }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <Card title="Running the rules" class="diagnosis-running">
      <Loading what={`Walking the readings through the Guideline 36 rules (${Object.keys(d.inputs).length} inputs), started ${ago(d.created_at)}`} />
      <progress aria-label="Diagnosis running" />
      <p class="muted">Elapsed {duration((Date.now() - Date.parse(d.created_at)) / 1000)}. This page updates by itself when the rules finish.</p>
    </Card>
  );
}

function Completed({ d }: { d: DiagnosisView }) {
  const { query, route, path } = useLocation();
  const faulted = d.days.filter((day) => day.minutes > 0);
  const selected = d.days.find((day) => day.date === query.day) ?? faulted[0] ?? d.days[0];
  const families = useMemo(() => [...new Set(d.episodes.map((e) => e.family))] as FaultFamily[], [d.episodes]);
  const minutes = d.days.reduce((s, day) => s + day.minutes, 0);
  return (
    <>
      <Card title="Summary">
        <div class="stats">
          <Stat label="Days" value={d.days.length} testId="diagnosis-days" />
          <Stat label="Days with a fault" value={faulted.length} />
          <Stat label="Episodes" value={d.episodes.length} testId="diagnosis-episodes" />
          <Stat label="Minutes in fault" value={num(minutes)} />
          <Stat label="Min. outdoor air" value={d.min_oa?.fraction != null ? `${num(d.min_oa.fraction * 100, 3)}%` : '—'}
            hint={d.min_oa ? (d.min_oa.source === 'estimated' ? 'estimated from the damper commands' : d.min_oa.source) : undefined} testId="diagnosis-min-oa" />
          <Stat label="Calendar" value={d.time_zone} />
          {d.reference ? <Stat label="Standing findings" value={d.standing.length} hint="present on the reference days" testId="diagnosis-standing" /> : null}
        </div>
        <FamilyLegend families={families} />
      </Card>
      <Card title="Days">
        {d.days.length === 0 ? <Empty title="No readings with a time" /> : (
          <div class="table-wrap">
            <table data-testid="diagnosis-days-table">
              <thead><tr><th>Day</th><th>Minutes in fault</th><th>Fault conditions</th><th>Family</th></tr></thead>
              <tbody>
                {d.days.map((day) => (
                  <tr key={day.date} data-date={day.date} class={day.date === selected?.date ? 'selected' : undefined}>
                    <td><button type="button" class="link" aria-pressed={day.date === selected?.date} onClick={() => route(`${path}?day=${day.date}`, true)}>{day.date}</button></td>
                    <td class="num">{num(day.minutes)}</td>
                    <td>{day.fault_conditions.join(', ') || <span class="muted">none</span>}</td>
                    <td><FamilyTag family={day.family} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {selected ? <DayView key={selected.date} diagnosisId={d.id} day={selected} episodes={d.episodes} timeZone={d.time_zone} /> : null}
      <ModelPart d={d} />
      <Standing d={d} />
      <Skipped d={d} />
    </>
  );
}

function Skipped({ d }: { d: DiagnosisView }) {
  return (
    <Card title="Rules that could not run">
      {d.skipped_rules.length === 0 ? <p class="muted">Every fault condition ran.</p> : (
        <div class="table-wrap">
          <table data-testid="skipped-rules">
            <thead><tr><th>Fault condition</th><th>Why not</th></tr></thead>
            <tbody>{d.skipped_rules.map((s) => <tr key={s.fault_condition}><td>{s.fault_condition}</td><td class="wrap">{s.reason}</td></tr>)}</tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function Inputs({ d }: { d: DiagnosisView }) {
  const entries = Object.entries(d.inputs);
  return (
    <Card title="What the rules read">
      {entries.length === 0 ? <p class="muted">No inputs.</p> : (
        <div class="table-wrap">
          <table>
            <thead><tr><th>AFDD input</th><th>Column</th></tr></thead>
            <tbody>{entries.map(([input, column]) => <tr key={input}><td>{input}</td><td>{column}</td></tr>)}</tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
