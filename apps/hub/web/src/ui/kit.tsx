import type { ComponentChildren, JSX } from 'preact';
import { describeError, type ErrorContext } from '../api/errors.js';

// The console's building blocks: page frame, cards, states (loading, empty, error), form fields, badges.
export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p class="muted">{subtitle}</p> : null}
      </div>
      {actions ? <div class="actions">{actions}</div> : null}
    </header>
  );
}

export function Card({ title, children, actions, class: cls }: { title?: string; children: ComponentChildren; actions?: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${cls ?? ''}`}>
      {title || actions ? (
        <div class="card-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div class="state loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state empty">
      <strong>{title}</strong>
      {children ? <div class="muted">{children}</div> : null}
    </div>
  );
}

export function ErrorNote({ error, context, onRetry }: { error: unknown; context?: ErrorContext; onRetry?: () => void }) {
  if (!error) return null;
  const text = describeError(error, context);
  return (
    <div class="alert error" role="alert">
      <strong>{text.title}</strong>
      {text.message ? <div>{text.message}</div> : null}
      {text.hint ? <div class="muted">{text.hint}</div> : null}
      {onRetry ? <button type="button" class="link" onClick={onRetry}>Try again</button> : null}
    </div>
  );
}

export function Note({ kind = 'info', children }: { kind?: 'info' | 'ok' | 'warn'; children: ComponentChildren }) {
  return <div class={`alert ${kind}`} role="status">{children}</div>;
}

/** Shows loading, the error or the content of a request; `empty` when the data is an empty list. */
export function Async<T>({ state, children, what, empty }: {
  state: { data: T | undefined; error: unknown; loading: boolean; reload(): void };
  children: (data: T) => ComponentChildren; what?: string; empty?: ComponentChildren;
}) {
  if (state.data === undefined) {
    if (state.error) return <ErrorNote error={state.error} onRetry={state.reload} />;
    return <Loading {...(what ? { what } : {})} />;
  }
  if (empty && Array.isArray(state.data) && state.data.length === 0) return <>{empty}</>;
  return <>{children(state.data)}</>;
}

type InputProps = JSX.IntrinsicElements['input'] & { label: string; hint?: string; name: string };
export function Field({ label, hint, ...input }: InputProps) {
  return (
    <label class="field">
      <span>{label}</span>
      <input {...input} />
      {hint ? <small class="muted">{hint}</small> : null}
    </label>
  );
}

type SelectProps = JSX.IntrinsicElements['select'] & { label: string; name: string; options: [string, string][] };
export function Select({ label, options, ...select }: SelectProps) {
  return (
    <label class="field">
      <span>{label}</span>
      <select {...select}>
        {options.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
      </select>
    </label>
  );
}

export function Badge({ tone = 'neutral', children }: { tone?: 'ok' | 'warn' | 'bad' | 'neutral' | 'info'; children: ComponentChildren }) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

export function Stat({ label, value, hint, testId }: { label: string; value: ComponentChildren; hint?: string | undefined; testId?: string }) {
  return (
    <div class="stat" data-testid={testId}>
      <span class="muted">{label}</span>
      <strong>{value}</strong>
      {hint ? <small class="muted">{hint}</small> : null}
    </div>
  );
}

export function Button({ busy, children, ...rest }: JSX.IntrinsicElements['button'] & { busy?: boolean }) {
  return (
    <button {...rest} disabled={Boolean(rest.disabled) || busy} aria-busy={busy ? 'true' : undefined}>
      {busy ? <span class="spinner small" aria-hidden="true" /> : null}
      {children}
    </button>
  );
}

/** Reads a submitted form as strings, blanks dropped. */
export function formValues(e: Event): Record<string, string> {
  e.preventDefault();
  const data = new FormData(e.currentTarget as HTMLFormElement);
  const out: Record<string, string> = {};
  for (const [k, v] of data.entries()) if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  return out;
}

export const EQUIPMENT_OPTIONS: [string, string][] = [
  ['air_handler', 'Air handler'], ['boiler', 'Boiler'], ['pump', 'Pump'], ['chiller', 'Chiller'], ['fan_coil', 'Fan coil'], ['steam', 'Steam plant'],
];
