import type { DatasetDetail } from '@prometheus/protocol';
import { useLocation } from 'preact-iso';
import { useRef, useState } from 'preact/hooks';
import { uploadDataset, type UploadHandle } from '../../api/upload.js';
import { bytes } from '../../ui/format.js';
import { Button, Card, EQUIPMENT_OPTIONS, ErrorNote, Field, formValues, PageHeader, Select } from '../../ui/kit.js';

// CSV upload with a real progress bar (XMLHttpRequest upload events), then straight to the new dataset.
export function UploadPage() {
  const { route } = useLocation();
  const [progress, setProgress] = useState<{ sent: number; total: number } | undefined>();
  const [error, setError] = useState<unknown>();
  const [processing, setProcessing] = useState(false);
  const handle = useRef<UploadHandle | undefined>(undefined);

  const submit = async (e: Event) => {
    const form = e.currentTarget as HTMLFormElement;
    const v = formValues(e);
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (!file) return setError(new Error('Choose a CSV file to upload.'));
    setError(undefined);
    setProgress({ sent: 0, total: file.size });
    handle.current = uploadDataset(file, { name: v.name ?? file.name.replace(/\.csv$/i, ''), equipment_type: v.equipment_type ?? 'air_handler', ...(v.location ? { location: v.location } : {}), ...(v.unit ? { unit: v.unit } : {}), ...(v.timezone ? { timezone: v.timezone } : {}) },
      (sent, total) => {
        setProgress({ sent, total });
        if (sent >= total) setProcessing(true);
      });
    try {
      const created: DatasetDetail = await handle.current.done;
      route(`/datasets/${created.id}?uploaded=1`);
    } catch (err) {
      setError(err);
      setProgress(undefined);
      setProcessing(false);
    }
  };
  const busy = progress !== undefined;
  const percent = progress && progress.total > 0 ? Math.round((progress.sent / progress.total) * 100) : 0;
  return (
    <>
      <PageHeader title="Upload a CSV" subtitle="One row per reading, a timestamp column and one column per sensor (up to 100 MB)." />
      <Card>
        <form class="stack" onSubmit={(e) => void submit(e)}>
          <Field label="CSV file" name="file" type="file" accept=".csv,text/csv" required disabled={busy} />
          <div class="form-grid">
            <Field label="Dataset name" name="name" placeholder="Warren AHU-1 Sensors" required disabled={busy} />
            <Select label="Equipment" name="equipment_type" options={EQUIPMENT_OPTIONS} disabled={busy} />
            <Field label="Location (optional)" name="location" placeholder="Warren" disabled={busy} />
            <Field label="Unit (optional)" name="unit" placeholder="AHU-1" disabled={busy} />
            <Field label="Time zone of the timestamps (optional)" name="timezone" placeholder="America/Los_Angeles" disabled={busy}
              hint="For times written without a zone, as most building-automation exports are; UTC when empty." />
          </div>
          {progress ? (
            <div class="stack" data-testid="upload-progress">
              <progress max={100} value={percent} aria-label="Upload progress" />
              <span class="muted">{processing ? 'Uploaded; the hub is reading the file and computing column statistics…' : `${percent}% · ${bytes(progress.sent)} of ${bytes(progress.total)}`}</span>
            </div>
          ) : null}
          <ErrorNote error={error} context={{ action: 'upload' }} />
          <div class="actions">
            <Button class="primary" type="submit" busy={busy}>Upload</Button>
            {busy && !processing ? <button type="button" onClick={() => handle.current?.abort()}>Cancel</button> : null}
          </div>
        </form>
      </Card>
    </>
  );
}
