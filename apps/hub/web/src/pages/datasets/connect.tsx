import type { ConnectResponse } from '@prometheus/protocol';
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { post } from '../../api/client.js';
import { useAction } from '../../ui/hooks.js';
import { Button, Card, EQUIPMENT_OPTIONS, ErrorNote, Field, formValues, Note, PageHeader, Select } from '../../ui/kit.js';
import { connectBody, SOURCES, sourceAddress, type SourceField, type SourceType } from './sources.js';

function SourceInput({ f }: { f: SourceField }) {
  const common = { name: f.name, required: f.required, placeholder: f.placeholder };
  if (f.kind === 'textarea' || f.kind === 'json') {
    return (
      <label class="field" style={{ gridColumn: '1 / -1' }}>
        <span>{f.label}</span>
        <textarea rows={3} {...common} />
        {f.hint ? <small class="muted">{f.hint}</small> : null}
      </label>
    );
  }
  const type = f.kind === 'number' ? 'number' : f.kind === 'password' ? 'password' : f.kind === 'datetime' ? 'datetime-local' : 'text';
  return <Field label={f.label} type={type as 'text'} {...common} {...(f.hint ? { hint: f.hint } : {})} />;
}

export function ConnectPage() {
  const { route } = useLocation();
  const [type, setType] = useState<SourceType>('aegis_bridge');
  const [where, setWhere] = useState('');
  const [cut, setCut] = useState<ConnectResponse | undefined>();
  const connect = useAction(async (v: Record<string, string>) => {
    setWhere(sourceAddress(v));
    setCut(undefined);
    const created = await post<ConnectResponse>('/api/v1/datasets/connect', connectBody(type, v));
    // An import cut at the hub's row cap stays on this page long enough to be read.
    if (created.truncated) setCut(created);
    else route(`/datasets/${created.id}`);
  });
  const source = SOURCES[type];
  return (
    <>
      <PageHeader title="Connect a data source" subtitle="Import sensor data from a controller or an external database into a new dataset." />
      <Card>
        <form class="stack" onSubmit={(e) => void connect.run(formValues(e))}>
          <Select label="Source type" name="source_type" value={type} onChange={(e) => { setType(e.currentTarget.value as SourceType); connect.clear(); }}
            options={Object.entries(SOURCES).map(([k, s]) => [k, s.label])} />
          <p class="muted">{source.blurb}</p>
          <div class="form-grid" key={type}>
            {source.fields.map((f) => <SourceInput key={f.name} f={f} />)}
          </div>
          <div class="form-grid">
            <Field label="Dataset name" name="name" required placeholder="Warren AHU-1 Edge Metrics" />
            <Select label="Equipment" name="equipment_type" options={EQUIPMENT_OPTIONS} />
            <Field label="Location (optional)" name="location" />
            <Field label="Unit (optional)" name="unit" />
          </div>
          <ErrorNote error={connect.error} context={{ action: 'connect', source: where }} />
          {cut ? (
            <Note kind="warn">
              {cut.warnings.join(' ')} <a href={`/datasets/${cut.id}`}>Open {cut.name} ({cut.row_count} rows)</a>
            </Note>
          ) : null}
          <div class="actions">
            <Button class="primary" type="submit" busy={connect.busy}>{connect.busy ? 'Importing…' : 'Connect and import'}</Button>
          </div>
        </form>
      </Card>
    </>
  );
}
