import type { DatasetPreview } from '@prometheus/protocol';
import { useState } from 'preact/hooks';
import { num } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Async, Card } from '../../ui/kit.js';

const PAGE_SIZES = [25, 100, 500];

/** Rows of the dataset, a page at a time, sorted by any column on the hub (numbers as numbers). */
export function PreviewTable({ id }: { id: string }) {
  const [page, setPage] = useState(1);
  const [size, setSize] = useState(25);
  const [sort, setSort] = useState<{ col: string; dir: 'asc' | 'desc' } | undefined>();
  const q = new URLSearchParams({ page: String(page), page_size: String(size), ...(sort ? { sort_col: sort.col, sort_dir: sort.dir } : {}) });
  const preview = useApi<DatasetPreview>(`/api/v1/datasets/${id}/preview?${q}`);
  const toggle = (col: string) => {
    setSort(sort?.col === col ? { col, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { col, dir: 'asc' });
    setPage(1);
  };
  const arrow = (col: string) => (sort?.col === col ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : '');
  return (
    <Card title="Preview" actions={
      <label class="check muted">Rows per page
        <select value={size} onChange={(e) => { setSize(Number(e.currentTarget.value)); setPage(1); }} style={{ width: 'auto' }}>
          {PAGE_SIZES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>}>
      <Async state={preview} what="Loading rows">
        {(p) => (
          <>
            <div class="table-wrap" style={{ maxHeight: '420px' }} data-testid="preview">
              <table>
                <thead>
                  <tr>{p.headers.map((h) => (
                    <th key={h} aria-sort={sort?.col === h ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                      <button type="button" class="sort" onClick={() => toggle(h)}>{h}{arrow(h)}</button>
                    </th>))}
                  </tr>
                </thead>
                <tbody>
                  {p.rows.map((r, i) => <tr key={i}>{r.map((c, j) => <td key={j}>{c ?? <span class="muted">—</span>}</td>)}</tr>)}
                </tbody>
              </table>
            </div>
            <div class="pager">
              <span class="muted">{num(p.total_rows)} rows · page {p.page} of {Math.max(1, p.total_pages)}</span>
              <button type="button" disabled={page <= 1 || preview.loading} onClick={() => setPage(page - 1)}>Previous</button>
              <button type="button" disabled={page >= p.total_pages || preview.loading} onClick={() => setPage(page + 1)}>Next</button>
            </div>
          </>
        )}
      </Async>
    </Card>
  );
}
