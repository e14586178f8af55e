import type { ModelSummary } from '@prometheus/protocol';
import { architecture, bytes, equipment, num, when } from '../../ui/format.js';
import { useApi } from '../../ui/hooks.js';
import { Async, Empty, PageHeader } from '../../ui/kit.js';

export function ModelsPage() {
  const models = useApi<ModelSummary[]>('/api/v1/models');
  return (
    <>
      <PageHeader title="Models" subtitle="Trained models, ready to evaluate, compare, download and deploy."
        actions={<a class="button" href="/models/compare">Compare two models</a>} />
      <Async state={models} what="Loading models" empty={<Empty title="No models yet">A model appears here when a training run finishes.</Empty>}>
        {(rows) => (
          <div class="table-wrap">
            <table>
              <thead><tr><th>Model</th><th>Architecture</th><th>Equipment</th><th>F1</th><th>Val. loss</th><th>Parameters</th><th>Size</th><th>Created</th></tr></thead>
              <tbody>
                {rows.map((m) => (
                  <tr key={m.id}>
                    <td><a href={`/models/${m.id}`}>{m.name}</a></td>
                    <td>{architecture(m.architecture)}</td>
                    <td>{equipment(m.equipment_type)}</td>
                    <td class="num">{num(m.metrics.f1, 3)}</td>
                    <td class="num">{num(m.metrics.val_loss)}</td>
                    <td class="num">{num(m.parameters)}</td>
                    <td class="num">{bytes(m.file_size_bytes)}</td>
                    <td>{when(m.created_at)}</td>
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
