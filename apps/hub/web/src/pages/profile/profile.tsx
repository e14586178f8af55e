import type { Preferences } from '@prometheus/protocol';
import type { Profile } from '../../api/types.js';
import { useState } from 'preact/hooks';
import { put } from '../../api/client.js';
import { applyTheme, type Theme } from '../../theme.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Badge, Button, Card, ErrorNote, Field, formValues, Note, PageHeader, Select, Stat } from '../../ui/kit.js';
import { setDisplayTimeZone, when } from '../../ui/format.js';
import { MfaCard } from './mfa.js';

export function ProfilePage() {
  const profile = useApi<Profile>('/api/v1/profile');
  return (
    <>
      <PageHeader title="Profile" subtitle="Your account, preferences and sign-in security." />
      <Async state={profile} what="Loading profile">
        {(p) => (
          <>
            <Card title="Account">
              <div class="stats">
                <Stat label="Username" value={p.username} />
                <Stat label="Email" value={p.email} />
                <Stat label="Role" value={p.role} />
                <Stat label="Plan" value={p.tier} />
                <Stat label="Member since" value={when(p.created_at)} />
                <Stat label="Email" value={p.email_verified ? <Badge tone="ok">verified</Badge> : <Badge tone="warn">not verified</Badge>} />
              </div>
            </Card>
            <div class="grid two">
              <PreferencesCard />
              <PasswordCard />
            </div>
            <MfaCard enabled={p.mfa_enabled} onChange={profile.reload} />
          </>
        )}
      </Async>
    </>
  );
}

function PreferencesCard() {
  const prefs = useApi<Preferences>('/api/v1/profile/preferences');
  const [saved, setSaved] = useState(false);
  // What the user changed since the last save: the fields are controlled, so a re-render must not put back the saved values.
  const [draft, setDraft] = useState<Partial<Record<keyof Preferences, string | boolean>>>({});
  const edit = (e: Event) => {
    const t = e.target as HTMLInputElement;
    setSaved(false);
    if (t.name) setDraft((d) => ({ ...d, [t.name]: t.type === 'checkbox' ? t.checked : t.value }));
  };
  const save = useAction(async (e: Event) => {
    const form = e.currentTarget as HTMLFormElement;
    const v = formValues(e);
    const checked = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).checked;
    const next = await put<Preferences>('/api/v1/profile/preferences', {
      theme: v.theme, default_architecture: v.default_architecture, timezone: v.timezone,
      notifications_enabled: checked('notifications_enabled'), email_notifications: checked('email_notifications'), training_auto_stop: checked('training_auto_stop'),
    });
    prefs.set(next);
    setDraft({});
    applyTheme(next.theme as Theme);
    setDisplayTimeZone(next.timezone);
    setSaved(true);
  });
  return (
    <Card title="Preferences">
      <Async state={prefs}>
        {(stored) => {
          const p = { ...stored, ...draft } as Preferences;
          return (
            <form class="stack" onSubmit={(e) => void save.run(e)} onInput={edit} onChange={edit}>
              <Select label="Theme" name="theme" value={p.theme} options={[['nexusedge-dark', 'NexusEdge dark'], ['nexusedge-light', 'NexusEdge light']]} />
              <Select label="Default architecture" name="default_architecture" value={p.default_architecture}
                options={[['lstm_autoencoder', 'LSTM autoencoder'], ['gru_predictor', 'GRU predictor'], ['sentinel', 'Sentinel']]} />
              <Field label="Time zone" name="timezone" value={p.timezone} hint="IANA name, e.g. America/New_York: every time and chart in the console is shown in it." />
              <label class="check"><input type="checkbox" name="notifications_enabled" checked={p.notifications_enabled} /> Push notifications</label>
              <label class="check"><input type="checkbox" name="email_notifications" checked={p.email_notifications} /> Email notifications</label>
              <label class="check"><input type="checkbox" name="training_auto_stop" checked={p.training_auto_stop} /> Stop training automatically when it stops improving</label>
              <ErrorNote error={save.error} />
              {saved ? <Note kind="ok">Preferences saved.</Note> : null}
              <Button class="primary" type="submit" busy={save.busy}>Save preferences</Button>
            </form>
          );
        }}
      </Async>
    </Card>
  );
}

function PasswordCard() {
  const [done, setDone] = useState(false);
  const change = useAction(async (e: Event) => {
    const v = formValues(e);
    if (v.new_password !== v.confirm) throw new Error('The two new passwords do not match.');
    await put('/api/v1/auth/change-password', { current_password: v.current_password, new_password: v.new_password });
    (e.currentTarget as HTMLFormElement | null)?.reset();
    setDone(true);
  });
  return (
    <Card title="Change password">
      <form class="stack" onSubmit={(e) => void change.run(e)}>
        <Field label="Current password" name="current_password" type="password" autoComplete="current-password" required />
        <Field label="New password" name="new_password" type="password" autoComplete="new-password" required minLength={8} />
        <Field label="Repeat new password" name="confirm" type="password" autoComplete="new-password" required minLength={8} />
        <ErrorNote error={change.error} />
        {done ? <Note kind="ok">Password changed. Your other sessions were signed out.</Note> : null}
        <Button type="submit" busy={change.busy}>Change password</Button>
      </form>
    </Card>
  );
}
