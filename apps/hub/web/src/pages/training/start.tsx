import type { DatasetSummary, Preferences, TrainingStartResponse } from '@prometheus/protocol';
import { useLocation } from 'preact-iso';
import { post } from '../../api/client.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Button, Card, Empty, ErrorNote, Field, formValues, Note, PageHeader, Select } from '../../ui/kit.js';

// Start a run; opened from a recommendation the form arrives filled with its architecture and hyperparameters.
const NUMBERS: { name: string; label: string; step?: string; hint?: string }[] = [
  { name: 'epochs', label: 'Epochs' },
  { name: 'batch_size', label: 'Batch size' },
  { name: 'learning_rate', label: 'Learning rate', step: 'any' },
  { name: 'sequence_length', label: 'Sequence length', hint: 'Readings per window.' },
  { name: 'hidden_dim', label: 'Hidden size' },
  { name: 'bottleneck_dim', label: 'Bottleneck size' },
  { name: 'num_layers', label: 'Layers' },
  { name: 'dropout', label: 'Dropout', step: 'any' },
  { name: 'stride', label: 'Window stride', hint: 'A window starts every N rows.' },
  { name: 'validation_split', label: 'Validation share', step: 'any', hint: 'Share of the time range held out, e.g. 0.2.' },
];

function readHp(raw: string | undefined): Record<string, unknown> {
  try {
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function TrainingStartPage() {
  const { query, route } = useLocation();
  const datasets = useApi<DatasetSummary[]>('/api/v1/datasets');
  const prefs = useApi<Preferences>('/api/v1/profile/preferences');
  const hp = readHp(query.hp);
  const start = useAction(async (v: Record<string, string>) => {
    const hyperparameters: Record<string, unknown> = {};
    for (const f of NUMBERS) if (v[f.name] !== undefined) hyperparameters[f.name] = Number(v[f.name]);
    if (v.optimizer) hyperparameters.optimizer = v.optimizer;
    if (v.loss) hyperparameters.loss = v.loss;
    const run = await post<TrainingStartResponse>('/api/v1/training/start', {
      dataset_id: v.dataset_id, architecture: v.architecture, hyperparameters, ...(v.name ? { name: v.name } : {}),
    });
    route(`/training/${run.id}`);
  });
  const arch = query.architecture ?? prefs.data?.default_architecture ?? 'lstm_autoencoder';
  return (
    <>
      <PageHeader title="Start training" subtitle="Train a model on a validated dataset." />
      {query.hp ? <Note>Filled in from the recommendation for this dataset. Adjust anything before starting.</Note> : null}
      <Async state={datasets} what="Loading datasets" empty={<Empty title="No datasets to train on">Upload or connect a dataset and validate it first.</Empty>}>
        {(list) => (
          <Card>
            <form class="stack" onSubmit={(e) => void start.run(formValues(e))} key={`${arch}|${query.dataset ?? ''}`}>
              <div class="form-grid">
                <Select label="Dataset" name="dataset_id" value={query.dataset ?? list.find((d) => d.is_validated)?.id ?? list[0]?.id}
                  options={list.map((d) => [d.id, `${d.name}${d.is_validated ? '' : ' (not validated)'}`])} />
                <Select label="Architecture" name="architecture" value={arch}
                  options={[['lstm_autoencoder', 'LSTM autoencoder (anomaly detection)'], ['gru_predictor', 'GRU predictor (fault prediction)'], ['sentinel', 'Sentinel (fault classifier)']]} />
                <Field label="Model name (optional)" name="name" placeholder="Warren AHU-1 anomaly detector" />
              </div>
              <h2>Hyperparameters</h2>
              <p class="muted">Blank fields take the hub's defaults.</p>
              <div class="form-grid">
                {NUMBERS.map((f) => (
                  <Field key={f.name} label={f.label} name={f.name} type="number" step={f.step ?? '1'} min="0"
                    value={hp[f.name] === undefined ? '' : String(hp[f.name])} {...(f.hint ? { hint: f.hint } : {})} />
                ))}
                <Select label="Optimizer" name="optimizer" value={String(hp.optimizer ?? 'adam')} options={[['adam', 'Adam'], ['adamw', 'AdamW'], ['sgd', 'SGD']]} />
                <Select label="Loss" name="loss" value={String(hp.loss ?? 'mse')} options={[['mse', 'Mean squared error'], ['bce', 'Binary cross-entropy']]} />
              </div>
              <ErrorNote error={start.error} />
              <div class="actions"><Button class="primary" type="submit" busy={start.busy}>Start training</Button></div>
            </form>
          </Card>
        )}
      </Async>
    </>
  );
}
