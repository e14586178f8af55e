import fs from 'node:fs';
import path from 'node:path';
import { generate } from 'otplib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, api, hubSpec, killAll, startHub, waitFor, type HubProc, type HubSpec } from '../edge-link/harness.js';
import { buildConsole, launchBrowser, openPage, pageWidth, PHONE, shot, signIn, type WatchedPage } from './browser.js';

// Accounts in a real browser: sign-up with the emailed code, password reset by the emailed link,
// profile and theme, MFA set up from the QR code and used at sign-in, admin users, billing, an ended session.
let spec: HubSpec;
let hub: HubProc;
let ctx: BrowserContext;
let tab: WatchedPage;
let page: Page;

const quotedPrintable = (text: string) => text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** The newest mail in the hub's outbox (no SMTP_URL: each message is an .eml file) that matches. */
async function mail(match: RegExp): Promise<string> {
  const dir = path.join(spec.dataDir, 'outbox');
  return waitFor(`mail matching ${match}`, () => {
    const texts = fs.existsSync(dir) ? fs.readdirSync(dir).sort().reverse().map((f) => quotedPrintable(fs.readFileSync(path.join(dir, f), 'utf8'))) : [];
    return texts.find((t) => match.test(t));
  }, 30_000, 200);
}

beforeAll(async () => {
  buildConsole();
  spec = await hubSpec();
  hub = await startHub(spec);
  ctx = await launchBrowser();
  // Billing has no Stripe keys on this hub: the upgrade button's 503 is the answer under test.
  tab = await openPage(ctx, [/status of 503 .*@ .*\/api\/v1\/billing\/checkout/]);
  page = tab.page;
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  await killAll();
});

describe('console: accounts', () => {
  it('signs up, verifies the email with the emailed code and signs in', async () => {
    await page.goto(`${hub.url}/signup`);
    await shot(page, 'signup');
    await page.fill('input[name=username]', 'dana');
    await page.fill('input[name=email]', 'dana@example.com');
    await page.fill('input[name=password]', 'dana-password-1');
    await page.fill('input[name=confirm]', 'dana-password-1');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/verify-email\?/);
    const code = /\b(\d{6})\b/.exec(await mail(/To: dana@example.com/))![1]!;
    await page.fill('input[name=code]', code);
    await shot(page, 'verify-email');
    await page.click('button[type=submit]');
    await page.getByText('Your address is confirmed').waitFor();
    await signIn(page, hub.url, 'dana', 'dana-password-1');
    await page.getByText('No datasets yet').waitFor();
  });

  it('shows the profile, saves the light theme and changes the password', async () => {
    await page.goto(`${hub.url}/profile`);
    await page.selectOption('select[name=theme]', 'nexusedge-light');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Preferences saved').waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('nexusedge-light');
    await shot(page, 'profile-light');
    // Times are shown in the preferred zone: "Member since" in Tokyo time after saving Asia/Tokyo.
    await page.fill('input[name=timezone]', 'Asia/Tokyo');
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/profile/preferences') && r.request().method() === 'PUT');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    expect((await saved).status()).toBe(200);
    await page.getByText('Preferences saved').waitFor();
    await page.reload();
    const expected = await page.evaluate(async () => {
      const token = JSON.parse(sessionStorage.getItem('prometheus.session') ?? '{}').token as string;
      const p = (await (await fetch('/api/v1/profile', { headers: { authorization: `Bearer ${token}` } })).json()) as { created_at: string };
      const at = (timeZone: string) => new Date(p.created_at).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone });
      return { tokyo: at('Asia/Tokyo'), utc: at('UTC') };
    });
    expect(expected.tokyo).not.toBe(expected.utc);
    const memberSince = () => page.evaluate(() => [...document.querySelectorAll('.stat')].find((e) => e.firstElementChild?.textContent === 'Member since')?.querySelector('strong')?.textContent ?? null);
    await expect.poll(memberSince).toBe(expected.tokyo);
    await page.fill('input[name=current_password]', 'dana-password-1');
    await page.fill('input[name=new_password]', 'dana-password-2');
    await page.fill('input[name=confirm]', 'dana-password-2');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed').waitFor();
  });

  it('sets up MFA from the QR code, then signs in with the code', async () => {
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.locator('[data-testid=mfa-qr]').waitFor();
    const secret = (await page.locator('[data-testid=mfa-secret]').textContent())!.trim();
    await shot(page, 'profile-mfa-setup');
    await page.locator('form', { hasText: 'Code from the app' }).locator('input[name=code]').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByText('MFA enabled successfully').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out.').waitFor();
    await page.fill('input[name=username]', 'dana');
    await page.fill('input[name=password]', 'dana-password-2');
    await page.click('button[type=submit]');
    await page.getByText('Two-factor sign-in').waitFor();
    await shot(page, 'login-mfa');
    // The code just used is refused as a replay: wait for the next 30-second step.
    const step = Math.floor(Date.now() / 30_000);
    await waitFor('the next TOTP step', () => Math.floor(Date.now() / 30_000) > step, 35_000, 250);
    await page.fill('input[name=code]', await generate({ secret }));
    await page.click('button[type=submit]');
    // Back where the sign-out left off (the profile page).
    await page.waitForURL(/\/profile$/);
    await page.getByText('Two-factor authentication').waitFor();
  });

  it('resets a forgotten password from the emailed link', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    const admin = await api<{ email: string }>(hub.url, 'GET', '/api/v1/auth/me', await adminToken(hub.url));
    await page.goto(`${hub.url}/forgot-password`);
    await page.fill('input[name=email]', admin.body.email);
    await page.click('button[type=submit]');
    await page.getByText('If an account exists').waitFor();
    const link = /\/reset-password\?token=([^\s]+)/.exec(await mail(/reset-password\?token=/))!;
    await page.goto(`${hub.url}/reset-password?token=${link[1]}`);
    await page.fill('input[name=new_password]', 'admin-password-2');
    await page.fill('input[name=confirm]', 'admin-password-2');
    await shot(page, 'reset-password');
    await page.click('button[type=submit]');
    await page.getByText('Your new password is set').waitFor();
    await signIn(page, hub.url, 'admin', 'admin-password-2');
  });

  it('lets an admin create a user, change the role and delete the user', async () => {
    await page.goto(`${hub.url}/admin/users`);
    await page.fill('input[name=username]', 'olaf');
    await page.fill('input[name=email]', 'olaf@example.com');
    await page.fill('input[name=password]', 'olaf-password-1');
    await page.getByRole('button', { name: 'Create user' }).click();
    const row = page.locator('tr[data-user=olaf]');
    await row.waitFor();
    await row.locator('select[aria-label="Role of olaf"]').selectOption('viewer');
    await waitFor('role saved', async () => (await api<{ role: string }>(hub.url, 'GET', '/api/v1/admin/users/olaf', await adminToken2())).body.role === 'viewer');
    await shot(page, 'admin-users');
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
  });

  it('shows the plan and usage, and says why an upgrade cannot start', async () => {
    // Without Stripe keys accounts start on enterprise (DEFAULT_TIER), which has nothing to upgrade to: put the
    // admin on free, so the upgrade button is there and its 503 is the answer under test.
    expect((await api(hub.url, 'PUT', '/api/v1/admin/users/admin/subscription', await adminToken2(), { tier: 'free' })).status).toBe(200);
    await page.goto(`${hub.url}/billing`);
    await page.getByText('Usage and limits').waitFor();
    await page.getByRole('button', { name: 'Upgrade to Pro' }).click();
    await page.getByText('Billing is not configured on this hub').waitFor();
    await shot(page, 'billing');
    const phone = await openPage(ctx, [/status of 503 /], PHONE);
    await signIn(phone.page, hub.url, 'admin', 'admin-password-2');
    for (const [name, route] of [['billing', '/billing'], ['admin-users', '/admin/users'], ['profile', '/profile']] as const) {
      await phone.page.goto(`${hub.url}${route}`);
      await phone.page.waitForFunction(() => !document.querySelector('.state.loading') && document.querySelector('.page-header h1'));
      expect(await pageWidth(phone.page), name).toBeLessThanOrEqual(PHONE.width);
      await shot(phone.page, name);
    }
    expect(phone.errors).toEqual([]);
  });

  it('sends an ended session back to the sign-in page with a message', async () => {
    // The hub refuses the revoked token: those 401s are what sends the console back to the sign-in page.
    const ended = await openPage(ctx, [/status of 401 .*@ .*\/api\/v1\//]);
    const page = ended.page;
    await signIn(page, hub.url, 'admin', 'admin-password-2');
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('prometheus.session') ?? '{}').token as string);
    expect((await api(hub.url, 'POST', '/api/v1/auth/logout', token)).status).toBe(200);
    await page.goto(`${hub.url}/datasets`);
    await page.getByText('Your session has ended. Please sign in again.').waitFor();
    // A reload (or a request of the old page ending the session first) keeps the reason on the sign-in page.
    await page.reload();
    await page.getByText('Your session has ended. Please sign in again.').waitFor();
    await shot(page, 'session-ended');
    expect(ended.errors).toEqual([]);
  });

  it('had no console errors', () => {
    expect(tab.errors).toEqual([]);
  });
});

async function adminToken2(): Promise<string> {
  const res = await api<{ token: string }>(hub.url, 'POST', '/api/v1/auth/login', undefined, { username: 'admin', password: 'admin-password-2' });
  return res.body.token;
}
