import type { DatasetSummary } from '@prometheus/protocol';
import { useApi } from '../../ui/hooks.js';
import { Async, Badge, Empty, PageHeader } from '../../ui/kit.js';
import { bytes, equipment, num, when } from '../../ui/format.js';

export function DatasetStatus({ d }: { d: { is_validated: boolean; locked: boolean } }) {
  if (d.locked) return <Badge tone="ok">validated · locked</Badge>;
  if (d.is_validated) return <Badge tone="ok">validated</Badge>;
  return <Badge tone="warn">not validated</Badge>;
}

export function DatasetsPage() {
  const list = useApi<DatasetSummary[]>('/api/v1/datasets');
  return (
    <>
      <PageHeader title="Datasets" subtitle="Sensor data from uploads, external databases and enrolled controllers."
        actions={<><a class="button primary" href="/datasets/upload">Upload CSV</a><a class="button" href="/datasets/connect">Connect a source</a></>} />
      <Async state={list} what="Loading datasets" empty={
        <Empty title="No datasets yet">Upload a CSV of sensor readings or connect a database to get started.</Empty>
      }>
        {(rows) => (
          <div class="table-wrap">
            <table>
              <thead>
                <tr><th>Name</th><th>Equipment</th><th>Source</th><th>Rows</th><th>Columns</th><th>Size</th><th>Status</th><th>Created</th></tr>
              </thead>
              <tbody>
                {rows.map((d) => (
                  <tr key={d.id}>
                    <td><a href={`/datasets/${d.id}`}>{d.name}</a>{d.target_name ? <div class="muted">from {d.target_name}</div> : null}</td>
                    <td>{equipment(d.equipment_type)}{d.unit ? ` · ${d.unit}` : ''}</td>
                    <td>{d.source}</td>
                    <td class="num">{num(d.row_count)}</td>
                    <td class="num">{d.columns.length}</td>
                    <td class="num">{bytes(d.file_size_bytes)}</td>
                    <td><DatasetStatus d={d} /></td>
                    <td>{when(d.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </>
  );
}
