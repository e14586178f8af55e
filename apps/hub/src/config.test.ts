import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3030);
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.sessionTtlMs).toBe(24 * 3_600_000);
    expect(c.rateLimits).toEqual({ loginPerMin: 30, apiPerMin: 1000, agentPerMin: 20 });
    expect(c.training.maxConcurrent).toBe(os.availableParallelism());
    expect(c.publicUrl).toBe('http://localhost:3030');
  });

  it('names every bad variable and never falls back silently', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', SESSION_TTL_HOURS: '-1', SMTP_URL: 'http://mail', PROMETHEUS_ADMIN_PASSWORD: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'SESSION_TTL_HOURS', 'SMTP_URL', 'PROMETHEUS_ADMIN_PASSWORD']) expect(message).toContain(name);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', SMTP_URL: '' }).port).toBe(3030);
  });
});
