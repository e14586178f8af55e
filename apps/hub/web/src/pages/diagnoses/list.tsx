import { DEFAULT_AFDD_SETTINGS } from '@prometheus/afdd';
import type { DiagnoseAccepted, DiagnosisSummary } from '@prometheus/protocol';
import { useLocation } from 'preact-iso';
import { useMemo } from 'preact/hooks';
import { ApiError, post } from '../../api/client.js';
import { num, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Badge, Button, Card, Empty, ErrorNote } from '../../ui/kit.js';

// A dataset's diagnoses (the Guideline 36 rules over its point map) and the form that runs one.
export function DiagnosisStatus({ status }: { status: string }) {
  const tone = status === 'completed' ? 'ok' : status === 'failed' ? 'bad' : 'info';
  return <Badge tone={tone}>{status}</Badge>;
}

/** `'settings.eps_sat' must be ...` -> the message by setting name. */
function settingErrors(err: unknown): { fields: Map<string, string>; rest: unknown } {
  const fields = new Map<string, string>();
  if (err instanceof ApiError && err.status === 400) {
    for (const m of (err.details ?? err.message).matchAll(/'settings\.(\w+)'\s+(.*?)(?=;\s*'settings\.|$)/gs)) fields.set(m[1]!, m[2]!.trim());
  }
  return { fields, rest: fields.size > 0 ? undefined : err };
}

export function DiagnosesCard({ datasetId }: { datasetId: string }) {
  const { route } = useLocation();
  const list = useApi<DiagnosisSummary[]>(`/api/v1/datasets/${datasetId}/diagnoses`);
  const run = useAction(async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const settings: Record<string, number> = {};
    for (const key of Object.keys(DEFAULT_AFDD_SETTINGS)) {
      const raw = String(data.get(key) ?? '').trim();
      if (raw !== '') settings[key] = Number(raw);
    }
    const zone = String(data.get('time_zone') ?? '').trim();
    const body = { ...(Object.keys(settings).length > 0 ? { settings } : {}), ...(zone ? { time_zone: zone } : {}) };
    const started = await post<DiagnoseAccepted>(`/api/v1/datasets/${datasetId}/diagnose`, body);
    route(`/diagnoses/${started.id}`);
  });
  const { fields, rest } = useMemo(() => settingErrors(run.error), [run.error]);
  return (
    <Card title="Diagnoses" class="diagnoses">
      <p class="muted">The ASHRAE Guideline 36 air-handler rules over the columns the point map names: which faults, when, and which part of the unit the evidence blames.</p>
      <form class="stack" onSubmit={(e) => { e.preventDefault(); void run.run(e.currentTarget); }}>
        <details open={fields.size > 0}>
          <summary>Settings (optional; blank keeps the Guideline default)</summary>
          <div class="form-grid" style={{ marginTop: '10px' }}>
            <label class="field"><span>Calendar of the days (time zone)</span><input name="time_zone" placeholder="the dataset's zone" /></label>
            {Object.entries(DEFAULT_AFDD_SETTINGS).map(([key, value]) => (
              <label class="field" key={key}>
                <span>{key}</span>
                <input name={key} type="number" step="any" placeholder={value === null ? 'estimated' : String(value)} class={fields.has(key) ? 'invalid' : undefined} />
                {fields.has(key) ? <small class="field-error" role="alert">{fields.get(key)}</small> : null}
              </label>
            ))}
          </div>
        </details>
        <div class="actions"><Button class="primary" type="submit" busy={run.busy}>Run a diagnosis</Button></div>
      </form>
      <ErrorNote error={rest} />
      <Async state={list} what="Loading diagnoses" empty={<Empty title="No diagnoses yet">Confirm the point map, then run one.</Empty>}>
        {(rows) => (
          <div class="table-wrap" style={{ marginTop: '12px' }}>
            <table data-testid="diagnoses">
              <thead><tr><th>Diagnosis</th><th>Status</th><th>Started</th><th>Episodes</th><th>Min. outdoor air</th></tr></thead>
              <tbody>
                {rows.map((d) => (
                  <tr key={d.id}>
                    <td><a href={`/diagnoses/${d.id}`}>{d.id}</a></td>
                    <td><DiagnosisStatus status={d.status} /></td>
                    <td>{when(d.created_at)}</td>
                    <td class="num">{d.status === 'completed' ? num(d.episode_count) : '—'}</td>
                    <td>{d.min_oa?.fraction != null ? `${num(d.min_oa.fraction * 100, 3)}% (${d.min_oa.source})` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </Card>
  );
}
