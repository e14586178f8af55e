import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkTotp, newTotpSecret } from './totp.js';

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; our codes are the last 6 of the 8 digits.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
  [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130'],
];

function oathtool(secret: string, epochSeconds: number): string | undefined {
  try {
    return execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${epochSeconds}`], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

describe('TOTP (RFC 6238)', () => {
  it.each(RFC_VECTORS)('accepts the RFC 6238 code at t=%i', async (t, code8) => {
    const step = await checkTotp(RFC_SECRET, code8.slice(2), new Date(t * 1000), null);
    expect(step).toBe(Math.floor(t / 30));
  });

  it('rejects a code of another step and a replayed code', async () => {
    const [t, code8] = RFC_VECTORS[1]!;
    expect(await checkTotp(RFC_SECRET, code8.slice(2), new Date((t + 120) * 1000), null)).toBeUndefined();
    const step = await checkTotp(RFC_SECRET, code8.slice(2), new Date(t * 1000), null);
    expect(await checkTotp(RFC_SECRET, code8.slice(2), new Date(t * 1000), step!)).toBeUndefined();
  });

  // oathtool is installed by .ci/run (Debian package oathtool), which sets PROMETHEUS_REQUIRE_SERVICES so a
  // missing one fails there; elsewhere, without it, this cross-check cannot run.
  it.skipIf(oathtool(RFC_SECRET, 59) === undefined && process.env.PROMETHEUS_REQUIRE_SERVICES !== '1')('agrees with Debian oathtool on fresh secrets', async () => {
    for (let i = 0; i < 5; i++) {
      const secret = newTotpSecret();
      const t = 1_700_000_000 + i * 7919;
      const code = oathtool(secret, t)!;
      expect(code).toMatch(/^\d{6}$/);
      expect(await checkTotp(secret, code, new Date(t * 1000), null)).toBe(Math.floor(t / 30));
    }
  });
});
