import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { Button, ErrorNote, Field, formValues, Note } from '../../ui/kit.js';
import { useAction } from '../../ui/hooks.js';

export function SignupPage() {
  const { route } = useLocation();
  const signup = useAction(async (v: Record<string, string>) => {
    if (v.password !== v.confirm) throw new Error('The two passwords do not match.');
    await api('POST', '/api/v1/auth/signup', { body: { username: v.username, email: v.email, password: v.password }, anonymous: true });
    route(`/verify-email?email=${encodeURIComponent(v.email ?? '')}&new=1`);
  });
  return (
    <section class="card">
      <h1>Create an account</h1>
      <p class="muted">You start on the Free plan. We email you a 6-digit code to confirm your address.</p>
      <form class="stack" onSubmit={(e) => void signup.run(formValues(e))}>
        <Field label="Username" name="username" autoComplete="username" required minLength={3} />
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={8} hint="At least 8 characters." />
        <Field label="Repeat password" name="confirm" type="password" autoComplete="new-password" required minLength={8} />
        <ErrorNote error={signup.error} />
        <Button class="primary" type="submit" busy={signup.busy}>Create account</Button>
      </form>
      <p class="muted">Already registered? <a href="/login">Sign in</a></p>
    </section>
  );
}

export function VerifyEmailPage() {
  const { query } = useLocation();
  const [email, setEmail] = useState(query.email ?? '');
  const [done, setDone] = useState(false);
  const verify = useAction(async (v: Record<string, string>) => {
    await api('POST', '/api/v1/auth/verify-email', { body: { email: v.email, code: v.code }, anonymous: true });
    setDone(true);
  });
  const resend = useAction(() => api<{ message: string }>('POST', '/api/v1/auth/resend-verification', { body: { email }, anonymous: true }));
  const [resent, setResent] = useState(false);
  if (done) {
    return (
      <section class="card">
        <h1>Email verified</h1>
        <Note kind="ok">Your address is confirmed. You can sign in now.</Note>
        <a class="button primary" href="/login">Sign in</a>
      </section>
    );
  }
  return (
    <section class="card">
      <h1>Verify your email</h1>
      {query.new ? <Note kind="ok">Account created. We sent a 6-digit code to {email}.</Note> : <p class="muted">Enter the 6-digit code we emailed you. It is valid for 15 minutes.</p>}
      <form class="stack" onSubmit={(e) => void verify.run(formValues(e))}>
        <Field label="Email" name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required />
        <Field label="Verification code" name="code" inputMode="numeric" pattern="\d{6}" maxLength={6} required />
        <ErrorNote error={verify.error ?? resend.error} />
        {resent ? <Note>A new code is on its way.</Note> : null}
        <Button class="primary" type="submit" busy={verify.busy}>Verify</Button>
        <Button type="button" busy={resend.busy} disabled={!email} onClick={() => void resend.run().then((r) => setResent(Boolean(r)))}>Send a new code</Button>
      </form>
    </section>
  );
}
