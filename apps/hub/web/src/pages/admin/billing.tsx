import type { SubscriptionResponse, UsageResponse } from '@prometheus/protocol';
import { post } from '../../api/client.js';
import { bytes, num, when } from '../../ui/format.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Badge, Button, Card, ErrorNote, PageHeader, Stat } from '../../ui/kit.js';

function Meter({ label, used, limit }: { label: string; used: number; limit: number }) {
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  return (
    <div class="stat">
      <span class="muted">{label}</span>
      <strong>{num(used)} <span class="muted">of {num(limit)}</span></strong>
      <progress max={1} value={share} aria-label={`${label}: ${num(used)} of ${num(limit)}`} />
    </div>
  );
}

export function BillingPage() {
  const sub = useApi<SubscriptionResponse>('/api/v1/billing/subscription');
  const usage = useApi<UsageResponse>('/api/v1/billing/usage');
  const checkout = useAction(async (tier: 'pro' | 'enterprise') => {
    const res = await post<{ checkout_url: string }>('/api/v1/billing/checkout', { tier, success_url: `${location.origin}/billing?success=true`, cancel_url: `${location.origin}/billing` });
    location.assign(res.checkout_url);
  });
  const portal = useAction(async () => {
    const res = await post<{ portal_url: string }>('/api/v1/billing/portal', { return_url: `${location.origin}/billing` });
    location.assign(res.portal_url);
  });
  return (
    <>
      <PageHeader title="Billing and usage" subtitle="Your plan, what it allows and what you use." />
      <Async state={sub} what="Loading subscription">
        {(s) => (
          <Card title="Plan" actions={<Badge tone="info">{s.tier}</Badge>}>
            <div class="stats">
              <Stat label="Plan" value={s.tier} />
              <Stat label="Period" value={s.current_period_start ? `${when(s.current_period_start)} – ${when(s.current_period_end)}` : '—'} />
              <Stat label="Assistant tokens left" value={num(s.token_balance)} />
              <Stat label="Tokens used this period" value={num(s.tokens_used_this_period)} />
            </div>
            <div class="actions" style={{ marginTop: '12px' }}>
              {s.tier !== 'enterprise' && !s.stripe_subscription_id ? <>
                {s.tier === 'free' ? <Button class="primary" busy={checkout.busy} onClick={() => void checkout.run('pro')}>Upgrade to Pro</Button> : null}
                <Button busy={checkout.busy} onClick={() => void checkout.run('enterprise')}>Upgrade to Enterprise</Button>
              </> : null}
              <Button busy={portal.busy} onClick={() => void portal.run()}>Manage subscription</Button>
            </div>
            <ErrorNote error={checkout.error ?? portal.error} />
          </Card>
        )}
      </Async>
      <Async state={usage} what="Loading usage">
        {(u) => (
          <Card title="Usage and limits">
            <div class="stats">
              <Meter label="Datasets" used={u.datasets_count} limit={u.max_datasets} />
              <Meter label="Models" used={u.models_count} limit={u.max_models} />
              <Meter label="Deployments" used={u.deployments_count} limit={u.max_deployments} />
              <Meter label="Trainings at once" used={u.active_trainings} limit={u.max_concurrent_trainings} />
              <Meter label="Assistant tokens" used={u.tokens_used} limit={u.tokens_limit} />
              <Stat label="Largest dataset file" value={bytes(u.max_dataset_size_bytes)} />
            </div>
          </Card>
        )}
      </Async>
    </>
  );
}
