import type { ModelDetail, ModelSummary } from '@prometheus/protocol';
import { useLocation, useRoute } from 'preact-iso';
import { del, download } from '../../api/client.js';
import { architecture, bytes, equipment, num, pct, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, ErrorNote, PageHeader, Select, Stat } from '../../ui/kit.js';

const FILES: { key: keyof ModelDetail['files']; label: string; format: 'axonml' | 'onnx'; quantized: boolean }[] = [
  { key: 'axonml', label: '.axonml', format: 'axonml', quantized: false },
  { key: 'axonml_int8', label: '.axonml (int8)', format: 'axonml', quantized: true },
  { key: 'onnx', label: 'ONNX', format: 'onnx', quantized: false },
  { key: 'onnx_int8', label: 'ONNX (int8)', format: 'onnx', quantized: true },
];

export function ModelPage() {
  const { params } = useRoute();
  const model = useApi<ModelDetail>(`/api/v1/models/${params.id ?? ''}`);
  return <Async state={model} what="Loading model">{(m) => <ModelView m={m} />}</Async>;
}

function ModelView({ m }: { m: ModelDetail }) {
  const { route } = useLocation();
  const get = useAction((f: (typeof FILES)[number]) =>
    download(`/api/v1/models/${m.id}/download?format=${f.format}&quantized=${f.quantized}`, `${m.name}${f.quantized ? '-int8' : ''}.${f.format}`));
  const remove = useAction(async () => {
    if (!confirm(`Delete the model "${m.name}" and its evaluations?`)) return;
    await del(`/api/v1/models/${m.id}`);
    route('/models');
  });
  const mm = m.metrics;
  return (
    <>
      <PageHeader title={m.name} subtitle={`${architecture(m.architecture)} · ${equipment(m.equipment_type)} · ${num(m.parameters)} parameters`}
        actions={<>
          <a class="button primary" href={`/deployments?model=${m.id}`}>Deploy</a>
          {m.evaluation_id ? <a class="button" href={`/evaluations/${m.evaluation_id}`}>Evaluation</a> : null}
          <Button class="danger" busy={remove.busy} onClick={() => void remove.run()}>Delete</Button>
        </>} />
      <ErrorNote error={get.error ?? remove.error} />
      <Card title="Metrics">
        <div class="stats" data-testid="model-metrics">
          <Stat label="F1" value={num(mm.f1, 3)} />
          <Stat label="Precision" value={num(mm.precision, 3)} />
          <Stat label="Recall" value={num(mm.recall, 3)} />
          <Stat label="Accuracy" value={pct(mm.accuracy)} />
          <Stat label="AUC ROC" value={num(mm.auc_roc, 3)} />
          <Stat label="Validation loss" value={num(mm.val_loss)} />
          <Stat label="Threshold" value={num(m.threshold)} hint={m.threshold_kind.replace('_', ' ')} />
        </div>
      </Card>
      <div class="grid two">
        <Card title="Downloads">
          <div class="stack">
            {FILES.map((f) => (
              <div class="actions" key={f.key} data-file={f.key} style={{ justifyContent: 'space-between' }}>
                <span>{f.label} <span class="muted">{bytes(m.files[f.key])}</span></span>
                <Button busy={get.busy} onClick={() => void get.run(f)}>Download</Button>
              </div>
            ))}
          </div>
        </Card>
        <Card title="Int8 quantization">
          <div class="stats">
            <Stat label="Weights" value={`${bytes(m.quantization.float_parameter_bytes)} → ${bytes(m.quantization.int8_parameter_bytes)}`} />
            <Stat label="Max score change" value={num(m.quantization.max_abs_score_delta)} />
            <Stat label="F1 change" value={num(m.quantization.f1_delta, 3)} />
            <Stat label="AUC change" value={num(m.quantization.auc_roc_delta, 3)} />
          </div>
        </Card>
      </div>
      <Card title="Shape and data">
        <div class="stats">
          <Stat label="Inputs" value={m.input_features} hint={m.feature_columns.join(', ')} />
          <Stat label="Sequence length" value={m.sequence_length} />
          <Stat label="Hidden / bottleneck" value={`${m.hidden_dim} / ${m.bottleneck_dim}`} />
          <Stat label="Layers" value={m.num_layers} />
          <Stat label="Sampling interval" value={`${num(m.sampling_interval_seconds)} s`} />
          <Stat label="Trained" value={when(m.created_at)} hint={m.training_run_id} />
        </div>
        <p><a href={`/datasets/${m.dataset_id}`}>Dataset</a> · <a href={`/training/${m.training_run_id}`}>Training run</a></p>
      </Card>
      <CompareWith m={m} />
    </>
  );
}

function CompareWith({ m }: { m: ModelDetail }) {
  const { route } = useLocation();
  const others = useApi<ModelSummary[]>('/api/v1/models');
  return (
    <Async state={others}>
      {(list) => list.length < 2 ? null : (
        <Card title="Compare with another model">
          <form class="actions" style={{ alignItems: 'flex-end' }} onSubmit={(e) => {
            e.preventDefault();
            const other = new FormData(e.currentTarget).get('other');
            route(`/models/compare?a=${m.id}&b=${String(other)}`);
          }}>
            <Select label="Other model" name="other" options={list.filter((o) => o.id !== m.id).map((o) => [o.id, o.name])} />
            <button type="submit">Compare</button>
          </form>
        </Card>
      )}
    </Async>
  );
}
