import type { DatasetDetail, ValidationReport } from '@prometheus/protocol';
import { useLocation, useRoute } from 'preact-iso';
import { useState } from 'preact/hooks';
import { del, download, post } from '../../api/client.js';
import { bytes, equipment, num, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, ErrorNote, Field, formValues, Note, PageHeader, Stat } from '../../ui/kit.js';
import { DiagnosesCard } from '../diagnoses/list.js';
import { PointMapCard } from '../points/editor.js';
import { DatasetStatus } from './list.js';
import { PreviewTable } from './preview.js';
import { Recommendations } from './recommendations.js';

export function DatasetPage() {
  const { params, query } = useRoute();
  const id = params.id ?? '';
  const ds = useApi<DatasetDetail>(`/api/v1/datasets/${id}`);
  return (
    <Async state={ds} what="Loading dataset">
      {(d) => <DatasetView d={d} uploaded={Boolean(query.uploaded)} reload={ds.reload} />}
    </Async>
  );
}

function DatasetView({ d, uploaded, reload }: { d: DatasetDetail; uploaded: boolean; reload(): void }) {
  const { route } = useLocation();
  const [report, setReport] = useState<ValidationReport | undefined>();
  // By default any missing cell blocks (the contract); a tolerance is the user's explicit choice.
  const validate = useAction(async (tolerancePercent?: string) => {
    const query = tolerancePercent === undefined ? '' : `?tolerance_percent=${encodeURIComponent(tolerancePercent)}`;
    setReport(await post<ValidationReport>(`/api/v1/datasets/${d.id}/validate${query}`));
    reload();
  });
  const unlock = useAction(async () => {
    await post(`/api/v1/datasets/${d.id}/unlock`);
    setReport(undefined);
    reload();
  });
  const remove = useAction(async () => {
    if (!confirm(`Delete the dataset "${d.name}" and its data?`)) return;
    await del(`/api/v1/datasets/${d.id}`);
    route('/datasets');
  });
  const exportCsv = useAction(() => download(`/api/v1/datasets/${d.id}/export`, `${d.name}.csv`));
  return (
    <>
      <PageHeader title={d.name} subtitle={<><DatasetStatus d={d} /> {equipment(d.equipment_type)}{d.location ? ` · ${d.location}` : ''}{d.unit ? ` · ${d.unit}` : ''}</>}
        actions={<>
          {d.locked
            ? <Button busy={unlock.busy} onClick={() => void unlock.run()}>Unlock</Button>
            : <Button class="primary" busy={validate.busy} onClick={() => void validate.run()}>Validate and lock</Button>}
          <a class={`button ${d.is_validated ? 'primary' : ''}`} href={`/training/new?dataset=${d.id}`}>Train a model</a>
          <Button busy={exportCsv.busy} onClick={() => void exportCsv.run()}>Export CSV</Button>
          <Button class="danger" busy={remove.busy} onClick={() => void remove.run()}>Delete</Button>
        </>} />
      {uploaded ? <Note kind="ok">Upload complete: {num(d.row_count)} rows read. Validate the dataset to lock it for training.</Note> : null}
      <ErrorNote error={validate.error ?? unlock.error ?? remove.error ?? exportCsv.error} />
      {report ? <ValidationCard report={report} retry={d.locked ? undefined : (tolerance) => void validate.run(tolerance)} busy={validate.busy} /> : null}
      <Card title="Summary">
        <div class="stats">
          <Stat label="Rows" value={num(d.row_count)} />
          <Stat label="Columns" value={d.columns.length} />
          <Stat label="Size" value={bytes(d.file_size_bytes)} />
          <Stat label="Source" value={d.target_name ? `edge · ${d.target_name}` : d.source} />
          <Stat label="From" value={when(d.time_range?.start)} />
          <Stat label="To" value={when(d.time_range?.end)} />
          {d.timezone ? <Stat label="Recorded in" value={d.timezone} /> : null}
        </div>
      </Card>
      <ColumnStats d={d} />
      <PointMapCard base={`/api/v1/datasets/${d.id}/points`} name={d.name} />
      <DiagnosesCard datasetId={d.id} />
      <PreviewTable id={d.id} />
      <Recommendations id={d.id} validated={d.is_validated} />
    </>
  );
}

function ValidationCard({ report, retry, busy }: { report: ValidationReport; retry: ((tolerancePercent: string) => void) | undefined; busy: boolean }) {
  return (
    <Card title="Validation" class="validation">
      {report.valid
        ? <Note kind="ok">Ready for training: {num(report.rows_checked)} rows and {report.columns_checked} columns checked. The dataset is locked and compressed.</Note>
        : <div class="alert error" role="alert"><strong>Not ready for training: {report.issues.length} problem{report.issues.length === 1 ? '' : 's'} found</strong>
          <ul class="issues" data-testid="validation-issues">{report.issues.map((i) => <li key={i}>{i}</li>)}</ul>
          <span class="muted">Fix the file and upload it again, or connect the source with a narrower query.</span>
          {retry ? (
            <form class="actions" data-testid="validation-tolerance" onSubmit={(e) => retry(formValues(e).tolerance_percent ?? '0')}>
              <Field label="Or accept up to this share of missing or non-numeric cells per column (%)" name="tolerance_percent" type="number" min="0" max="100" step="any" value="5" />
              <Button type="submit" busy={busy}>Validate with this tolerance</Button>
            </form>
          ) : null}</div>}
      {report.warnings.length > 0 ? (
        <div class="alert warn"><strong>Within tolerance</strong><ul class="issues">{report.warnings.map((w) => <li key={w}>{w}</li>)}</ul></div>
      ) : null}
    </Card>
  );
}

function ColumnStats({ d }: { d: DatasetDetail }) {
  const names = Object.keys(d.column_stats);
  return (
    <Card title="Column statistics">
      {names.length === 0 ? <p class="muted">No numeric columns.</p> : (
        <div class="table-wrap">
          <table>
            <thead><tr><th>Column</th><th>Min</th><th>Max</th><th>Mean</th><th>Std</th></tr></thead>
            <tbody>
              {names.map((n) => {
                const s = d.column_stats[n]!;
                return <tr key={n}><td>{n}</td><td class="num">{num(s.min)}</td><td class="num">{num(s.max)}</td><td class="num">{num(s.mean)}</td><td class="num">{num(s.std)}</td></tr>;
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
