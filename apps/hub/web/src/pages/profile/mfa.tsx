import type { MfaSetup as Setup } from '../../api/types.js';
import { useState } from 'preact/hooks';
import { post } from '../../api/client.js';
import { useAction } from '../../ui/hooks.js';
import { Badge, Button, Card, ErrorNote, Field, formValues, Note } from '../../ui/kit.js';

/** Two-factor sign-in: start setup (QR code), confirm with a code; or disable with a code. */
export function MfaCard({ enabled, onChange }: { enabled: boolean; onChange(): void }) {
  const [setup, setSetup] = useState<Setup | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const start = useAction(async () => setSetup(await post<Setup>('/api/v1/mfa/setup')));
  const verify = useAction(async (code: string) => {
    const res = await post<{ message: string }>('/api/v1/mfa/verify', { code });
    setSetup(undefined);
    setMessage(res.message);
    onChange();
  });
  const disable = useAction(async (code: string) => {
    const res = await post<{ message: string }>('/api/v1/mfa/disable', { code });
    setMessage(res.message);
    onChange();
  });
  return (
    <Card title="Two-factor authentication" actions={enabled ? <Badge tone="ok">on</Badge> : <Badge>off</Badge>}>
      {message ? <Note kind="ok">{message}</Note> : null}
      {enabled ? (
        <form class="stack" onSubmit={(e) => void disable.run(formValues(e).code ?? '')}>
          <p class="muted">Sign-in asks for a code from your authenticator app. To turn it off, enter a current code.</p>
          <Field label="Current code" name="code" inputMode="numeric" pattern="\d{6}" maxLength={6} required />
          <ErrorNote error={disable.error} />
          <Button class="danger" type="submit" busy={disable.busy}>Disable two-factor sign-in</Button>
        </form>
      ) : setup ? (
        <form class="stack" onSubmit={(e) => void verify.run(formValues(e).code ?? '')}>
          <p>Scan this code with an authenticator app (Google Authenticator, 1Password, Authy…), then enter the 6-digit code it shows.</p>
          <img class="qr" src={setup.qr_code} alt="QR code for your authenticator app" data-testid="mfa-qr" />
          <p class="muted">Cannot scan? Enter this key by hand: <code data-testid="mfa-secret">{setup.secret}</code></p>
          <Field label="Code from the app" name="code" inputMode="numeric" pattern="\d{6}" maxLength={6} required autoComplete="one-time-code" />
          <ErrorNote error={verify.error} />
          <Button class="primary" type="submit" busy={verify.busy}>Turn on two-factor sign-in</Button>
        </form>
      ) : (
        <div class="stack">
          <p class="muted">Protect your account with a code from an authenticator app at each sign-in.</p>
          <ErrorNote error={start.error} />
          <Button class="primary" busy={start.busy} onClick={() => void start.run()}>Set up two-factor sign-in</Button>
        </div>
      )}
    </Card>
  );
}
