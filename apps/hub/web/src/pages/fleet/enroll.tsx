import type { CreateTargetResponse, Target } from '@prometheus/protocol';
import { useState } from 'preact/hooks';
import { post } from '../../api/client.js';
import { when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Button, Card, EQUIPMENT_OPTIONS, ErrorNote, Field, formValues, Note, PageHeader, Select } from '../../ui/kit.js';
import { parseTags, StatusBadge } from './list.js';

// Register a controller: the hub answers a one-time token, shown once with the command to run on the controller.
export function EnrollPage() {
  const [created, setCreated] = useState<CreateTargetResponse | undefined>();
  const create = useAction(async (v: Record<string, string>) => {
    setCreated(await post<CreateTargetResponse>('/api/v1/deployments/targets', {
      name: v.name, ...(v.ip ? { ip: v.ip } : {}), ...(v.arch ? { arch: v.arch } : {}), equipment_type: v.equipment_type,
      ...(v.tags ? { tags: parseTags(v.tags) } : {}),
    }));
  });
  return (
    <>
      <PageHeader title="Enroll a controller" subtitle="Register an edge controller, then run the enrollment command on it." />
      {created ? <Enrolled t={created} /> : (
        <Card>
          <form class="stack" onSubmit={(e) => void create.run(formValues(e))}>
            <div class="form-grid">
              <Field label="Name" name="name" required placeholder="Warren AHU-1" />
              <Select label="Equipment" name="equipment_type" options={EQUIPMENT_OPTIONS} />
              <Field label="Address (optional)" name="ip" placeholder="100.124.76.93" />
              <Field label="Architecture (optional)" name="arch" placeholder="armv7, arm64 or x64" />
              <Field label="Tags (optional)" name="tags" placeholder="site=warren, building=b1" />
            </div>
            <ErrorNote error={create.error} />
            <Button class="primary" type="submit" busy={create.busy}>Create enrollment token</Button>
          </form>
        </Card>
      )}
    </>
  );
}

function Enrolled({ t }: { t: CreateTargetResponse }) {
  const target = useApi<Target>(`/api/v1/deployments/targets/${t.id}`, 3000);
  const status = target.data?.status ?? t.status;
  const hub = location.origin;
  const command = `prometheus-edge enroll --hub ${hub} --token ${t.enrollment_token}\nprometheus-edge run`;
  return (
    <Card title={`${t.name}: waiting for the controller`} actions={<StatusBadge status={status} />}>
      <Note kind="warn">This token is shown once and expires {when(t.enrollment_expires_at)}. Copy it now.</Note>
      <p>Enrollment token:</p>
      <pre data-testid="enrollment-token">{t.enrollment_token}</pre>
      <p>On the controller, run:</p>
      <pre data-testid="enroll-command">{command}</pre>
      <div class="actions">
        <button type="button" onClick={() => void navigator.clipboard?.writeText(command)}>Copy command</button>
        <a class="button" href={`/fleet/${t.id}`}>Open target</a>
      </div>
      {status === 'pending'
        ? <p class="muted">Waiting for the controller to enroll…</p>
        : <Note kind="ok">The controller enrolled and is {status}.</Note>}
    </Card>
  );
}
