import type { LoginResponse } from '@prometheus/protocol';
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client.js';
import { logoutReason, setSession } from '../../api/session.js';
import { Button, ErrorNote, Field, formValues, Note } from '../../ui/kit.js';
import { useAction } from '../../ui/hooks.js';

// Sign-in: username and password, then the authenticator code when the account has MFA.
export function LoginPage() {
  const { query, route } = useLocation();
  const reason = logoutReason();
  const [pending, setPending] = useState<LoginResponse | undefined>();
  const next = query.next && query.next.startsWith('/') && !query.next.startsWith('//') ? query.next : '/datasets';

  const finish = (token: string, res: LoginResponse) => {
    setSession({ token, user: { id: res.user.id, username: res.user.username, role: res.user.role } });
    route(next, true);
  };
  const login = useAction(async (username: string, password: string) => {
    const res = await api<LoginResponse>('POST', '/api/v1/auth/login', { body: { username, password }, anonymous: true });
    if (res.mfa_required) setPending(res);
    else finish(res.token, res);
  });
  const mfa = useAction(async (code: string) => {
    if (!pending) return;
    const res = await api<{ token: string }>('POST', '/api/v1/auth/mfa/validate', { body: { username: pending.user.username, code }, anonymous: true });
    finish(res.token, pending);
  });
  const unverified = login.error instanceof ApiError && login.error.code === 'EMAIL_NOT_VERIFIED';

  if (pending) {
    return (
      <section class="card">
        <h1>Two-factor sign-in</h1>
        <p class="muted">Enter the 6-digit code from your authenticator app for <strong>{pending.user.username}</strong>.</p>
        <form class="stack" onSubmit={(e) => void mfa.run(formValues(e).code ?? '')}>
          <Field label="Authentication code" name="code" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" maxLength={6} required autoFocus />
          <ErrorNote error={mfa.error} />
          <Button class="primary" type="submit" busy={mfa.busy}>Verify and sign in</Button>
          <button type="button" class="link" onClick={() => setPending(undefined)}>Use another account</button>
        </form>
      </section>
    );
  }
  return (
    <section class="card">
      <h1><span class="logo">▲</span> Prometheus</h1>
      <p class="muted">Sign in to the console.</p>
      {reason ? <Note>{reason}</Note> : null}
      <form class="stack" onSubmit={(e) => {
        const v = formValues(e);
        void login.run(v.username ?? '', v.password ?? '');
      }}>
        <Field label="Username or email" name="username" autoComplete="username" required autoFocus />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <ErrorNote error={login.error} context={{ action: 'login' }} />
        {unverified ? <a href="/verify-email">Enter your verification code</a> : null}
        <Button class="primary" type="submit" busy={login.busy}>Sign in</Button>
      </form>
      <p class="muted"><a href="/forgot-password">Forgot password?</a> · <a href="/signup">Create an account</a></p>
    </section>
  );
}
