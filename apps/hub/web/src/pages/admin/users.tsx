import type { AdminUser } from '@prometheus/protocol';
import { del, put, post } from '../../api/client.js';
import { useSession } from '../../session-hooks.js';
import { when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Badge, Button, Card, ErrorNote, Field, formValues, PageHeader, Select } from '../../ui/kit.js';

const ROLES: [string, string][] = [['viewer', 'Viewer (reads)'], ['operator', 'Operator (trains, deploys)'], ['admin', 'Admin (manages users)']];
const TIERS: [string, string][] = [['free', 'Free'], ['pro', 'Pro'], ['enterprise', 'Enterprise']];

export function UsersPage() {
  const session = useSession();
  const users = useApi<AdminUser[]>('/api/v1/admin/users');
  const change = useAction(async (u: AdminUser, what: { role?: string; tier?: string }) => {
    if (what.role) await put(`/api/v1/admin/users/${encodeURIComponent(u.username)}`, { role: what.role });
    if (what.tier) await put(`/api/v1/admin/users/${encodeURIComponent(u.username)}/subscription`, { tier: what.tier });
    users.reload();
  });
  const remove = useAction(async (u: AdminUser) => {
    if (!confirm(`Delete ${u.username}? Their datasets, models and targets pass to you.`)) return;
    await del(`/api/v1/admin/users/${encodeURIComponent(u.username)}`);
    users.reload();
  });
  if (session?.user.role !== 'admin') return <ErrorNote error={new Error('Only administrators can manage users.')} />;
  return (
    <>
      <PageHeader title="Users" subtitle="Accounts, roles and plans." />
      <CreateUser onCreated={users.reload} />
      <ErrorNote error={change.error ?? remove.error} />
      <Async state={users} what="Loading users">
        {(rows) => (
          <div class="table-wrap">
            <table data-testid="users">
              <thead><tr><th>User</th><th>Role</th><th>Plan</th><th>Email</th><th>MFA</th><th>Created</th><th /></tr></thead>
              <tbody>
                {rows.map((u) => (
                  <tr key={u.id} data-user={u.username}>
                    <td><strong>{u.username}</strong><div class="muted">{u.email}</div></td>
                    <td><select aria-label={`Role of ${u.username}`} value={u.role} disabled={change.busy} onChange={(e) => void change.run(u, { role: e.currentTarget.value })}>
                      {ROLES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select></td>
                    <td><select aria-label={`Plan of ${u.username}`} value={u.tier} disabled={change.busy} onChange={(e) => void change.run(u, { tier: e.currentTarget.value })}>
                      {TIERS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select></td>
                    <td>{u.email_verified ? <Badge tone="ok">verified</Badge> : <Badge tone="warn">unverified</Badge>}</td>
                    <td>{u.mfa_enabled ? <Badge tone="ok">on</Badge> : <Badge>off</Badge>}</td>
                    <td>{when(u.created_at)}</td>
                    <td>{u.id !== session.user.id ? <button type="button" class="danger" onClick={() => void remove.run(u)}>Delete</button> : <span class="muted">you</span>}</td>
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

function CreateUser({ onCreated }: { onCreated(): void }) {
  const create = useAction(async (e: Event) => {
    const form = e.currentTarget as HTMLFormElement;
    const v = formValues(e);
    await post('/api/v1/admin/users', { username: v.username, email: v.email, password: v.password, role: v.role });
    form.reset();
    onCreated();
  });
  return (
    <Card title="Create a user">
      <form class="stack" onSubmit={(e) => void create.run(e)}>
        <div class="form-grid">
          <Field label="Username" name="username" required minLength={3} />
          <Field label="Email" name="email" type="email" required />
          <Field label="Password" name="password" type="password" required minLength={8} autoComplete="new-password" />
          <Select label="Role" name="role" value="operator" options={ROLES} />
        </div>
        <ErrorNote error={create.error} />
        <div class="actions"><Button class="primary" type="submit" busy={create.busy}>Create user</Button></div>
      </form>
    </Card>
  );
}
