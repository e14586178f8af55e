// A deployment's status progression (docs/api.md): compiling -> quantizing -> packaging -> transferring -> deployed.
export const STEPS = ['compiling', 'quantizing', 'packaging', 'transferring', 'deployed'] as const;

export function Steps({ status }: { status: string }) {
  const at = STEPS.indexOf(status as (typeof STEPS)[number]);
  const failed = at < 0 && status !== 'pending' && status !== 'superseded';
  return (
    <ol class="steps" data-testid="deploy-steps" data-status={status}>
      {STEPS.map((s, i) => {
        const cls = status === 'deployed' || status === 'superseded' || i < at ? 'done' : i === at ? 'current' : '';
        return <li key={s} class={cls}>{i + 1}. {s}</li>;
      })}
      {failed ? <li class="failed">{status}</li> : null}
    </ol>
  );
}

export const finished = (status: string) => status === 'deployed' || !(STEPS as readonly string[]).includes(status);
