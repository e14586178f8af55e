import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';

// The billing, push and agent variables: parsed once, a bad or half-set group stops start-up naming the variable.
describe('billing, push and agent configuration', () => {
  const base = { PROMETHEUS_DATA_DIR: '/tmp/prometheus-settings-test' };
  const fails = (env: Record<string, string>, variable: string) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(new RegExp(variable));
  };

  it('leaves Stripe, a custom Expo origin and the language model off by default', () => {
    const c = loadConfig(base);
    expect(c.billing).toEqual({ stripe: undefined, prices: { pro: 'prometheus_pro', enterprise: 'prometheus_enterprise' }, defaultTier: 'enterprise' });
    expect(c.push).toEqual({ expoUrl: 'https://exp.host', accessToken: undefined, batchMs: 1000, receiptDelayMs: 900_000 });
    expect(c.agent.llm).toBeUndefined();
  });

  it('takes the Stripe keys together and points the SDK at STRIPE_API_URL', () => {
    const c = loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc', STRIPE_API_URL: 'http://127.0.0.1:12111', STRIPE_PRICE_PRO: 'price_123' });
    expect(c.billing.stripe).toEqual({ secretKey: 'sk_test_abc', webhookSecret: 'whsec_abc', api: { host: '127.0.0.1', port: 12111, protocol: 'http' } });
    expect(c.billing.prices.pro).toBe('price_123');
    fails({ STRIPE_SECRET_KEY: 'sk_test_abc' }, 'STRIPE_SECRET_KEY');
    fails({ STRIPE_SECRET_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, 'STRIPE_SECRET_KEY');
    fails({ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'secret' }, 'STRIPE_WEBHOOK_SECRET');
    fails({ STRIPE_API_URL: 'localhost:12111' }, 'STRIPE_API_URL');
  });

  it('checks the push and agent variables', () => {
    expect(loadConfig({ ...base, EXPO_PUSH_URL: 'http://127.0.0.1:9999/' }).push.expoUrl).toBe('http://127.0.0.1:9999');
    fails({ EXPO_PUSH_URL: 'exp.host' }, 'EXPO_PUSH_URL');
    fails({ PUSH_BATCH_MS: '-1' }, 'PUSH_BATCH_MS');
    const c = loadConfig({ ...base, AGENT_API_URL: 'http://127.0.0.1:11434/v1/', AGENT_MODEL: 'llama3.1' });
    expect(c.agent.llm).toEqual({ baseUrl: 'http://127.0.0.1:11434/v1', apiKey: undefined, model: 'llama3.1', timeoutMs: 60_000 });
    fails({ AGENT_API_URL: 'http://127.0.0.1:11434/v1' }, 'AGENT_API_URL');
    fails({ AGENT_MODEL: 'gpt-4o-mini' }, 'AGENT_API_URL');
  });
});
