import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { Button, ErrorNote, Field, formValues, Note } from '../../ui/kit.js';
import { useAction } from '../../ui/hooks.js';

export function ForgotPasswordPage() {
  const [sent, setSent] = useState<string | undefined>();
  const ask = useAction(async (email: string) => {
    const res = await api<{ message: string }>('POST', '/api/v1/auth/forgot-password', { body: { email }, anonymous: true });
    setSent(res.message);
  });
  return (
    <section class="card">
      <h1>Reset your password</h1>
      <p class="muted">We email a link to set a new password. It is valid for 30 minutes.</p>
      {sent ? <Note kind="ok">{sent}</Note> : (
        <form class="stack" onSubmit={(e) => void ask.run(formValues(e).email ?? '')}>
          <Field label="Email" name="email" type="email" autoComplete="email" required />
          <ErrorNote error={ask.error} />
          <Button class="primary" type="submit" busy={ask.busy}>Send reset link</Button>
        </form>
      )}
      <p class="muted"><a href="/reset-password">I have a reset token</a> · <a href="/login">Back to sign in</a></p>
    </section>
  );
}

export function ResetPasswordPage() {
  const { query } = useLocation();
  const [done, setDone] = useState(false);
  const reset = useAction(async (v: Record<string, string>) => {
    if (v.new_password !== v.confirm) throw new Error('The two passwords do not match.');
    await api('POST', '/api/v1/auth/reset-password', { body: { token: v.token, new_password: v.new_password }, anonymous: true });
    setDone(true);
  });
  if (done) {
    return (
      <section class="card">
        <h1>Password changed</h1>
        <Note kind="ok">Your new password is set and your other sessions were signed out.</Note>
        <a class="button primary" href="/login">Sign in</a>
      </section>
    );
  }
  return (
    <section class="card">
      <h1>Choose a new password</h1>
      <form class="stack" onSubmit={(e) => void reset.run(formValues(e))}>
        <Field label="Reset token" name="token" value={query.token ?? ''} required hint="From the link in the email." />
        <Field label="New password" name="new_password" type="password" autoComplete="new-password" required minLength={8} />
        <Field label="Repeat new password" name="confirm" type="password" autoComplete="new-password" required minLength={8} />
        <ErrorNote error={reset.error} />
        <Button class="primary" type="submit" busy={reset.busy}>Set password</Button>
      </form>
    </section>
  );
}
