import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAegisDbFake, type AegisDbFake } from '../fakes/index.js';
import {
  ADMIN_PASSWORD, agentCommand, agentSpec, hubSpec, killAll, samples, startAgent, startHub, type HubProc, type Proc,
} from '../edge-link/harness.js';
import { buildConsole, chartPoints, launchBrowser, openPage, pageWidth, PHONE, shot, signIn, type WatchedPage } from './browser.js';

// The fleet side in a real browser: enroll a controller (the real edge agent against the Aegis-DB double),
// watch it come online live over MQTT, its telemetry chart grow, and go offline; the deployments page;
// and every page at phone width.
let hub: HubProc;
let ctx: BrowserContext;
let tab: WatchedPage;
let page: Page;
let db: AegisDbFake;
let agent: Proc | undefined;
let targetId = '';
// The deployments routes have not landed in the hub yet: their 404s are expected until they do.
const NOT_LANDED = [/status of 404 .*@ .*\/api\/v1\/deployments(\/targets\/tgt_\w+\/(scores|alerts))?(\?.*)?$/];

beforeAll(async () => {
  buildConsole();
  hub = await startHub(await hubSpec());
  db = await startAegisDbFake({ mode: 'new', token: 'aegis-secret' });
  db.insert('hardware_metrics', samples(0, 300));
  ctx = await launchBrowser();
  tab = await openPage(ctx, NOT_LANDED);
  page = tab.page;
  await signIn(page, hub.url, 'admin', ADMIN_PASSWORD);
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  await killAll();
  await db?.close();
});

describe('console: fleet', () => {
  it('shows the empty fleet and enrolls a controller with a one-time token and command', async () => {
    await page.goto(`${hub.url}/fleet`);
    await page.getByText('No controllers enrolled').waitFor();
    await shot(page, 'fleet-empty');
    await page.getByRole('link', { name: 'Enroll a controller' }).click();
    await page.fill('input[name=name]', 'Warren AHU-1');
    await page.fill('input[name=ip]', '100.124.76.93');
    await page.fill('input[name=tags]', 'site=warren, building=b1');
    await page.click('button[type=submit]');
    const tokenText = (await page.locator('[data-testid=enrollment-token]').textContent())!.trim();
    const command = await page.locator('[data-testid=enroll-command]').textContent();
    expect(command).toContain(`prometheus-edge enroll --hub ${hub.url} --token ${tokenText}`);
    await page.getByText('Waiting for the controller to enroll').waitFor();
    await shot(page, 'fleet-enroll-token');

    const spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', page_size: 100 } });
    const enrolled = await agentCommand(['enroll', '--hub', hub.url, '--token', tokenText, '--state-dir', spec.stateDir, '--config', spec.configFile]);
    expect(enrolled.code).toBe(0);
    agent = startAgent(spec, ['--aegis-url', db.url]);
    await page.getByText('The controller enrolled and is online').waitFor({ timeout: 60_000 });
    await shot(page, 'fleet-enrolled');
    targetId = new URL(await page.getByRole('link', { name: 'Open target' }).getAttribute('href') ?? '', hub.url).pathname.split('/')[2]!;
  });

  it('lists the controller online with a live link and when it was last seen', async () => {
    await page.goto(`${hub.url}/fleet`);
    const row = page.locator('tr[data-target="Warren AHU-1"]');
    await row.locator('.badge', { hasText: 'online' }).waitFor();
    await page.locator('.badge', { hasText: 'live' }).waitFor();
    await row.getByText(/just now|s ago/).waitFor();
    await row.locator('[data-testid=target-tags] .badge', { hasText: 'site: warren' }).waitFor();
    expect(await row.locator('[data-testid=target-tags] .badge').allTextContents()).toEqual(['site: warren', 'building: b1']);
    await shot(page, 'fleet');
  });

  it('charts the telemetry, growing live as the controller sends readings, then shows it offline', async () => {
    await page.goto(`${hub.url}/fleet/${targetId}`);
    await page.locator('.badge', { hasText: 'live' }).waitFor();
    const before = await chartPoints(page, 'telemetry-chart', 0, 90_000);
    db.insert('hardware_metrics', samples(300, 420));
    const after = await chartPoints(page, 'telemetry-chart', before, 90_000);
    expect(after).toBeGreaterThan(before);
    await page.getByText('No scores yet').waitFor();
    await shot(page, 'fleet-target');
    expect(await agent!.stop()).toBe(0);
    await page.locator('.page-header .badge', { hasText: 'offline' }).waitFor({ timeout: 30_000 });
    await shot(page, 'fleet-target-offline');
  });

  it('offers the deploy form with the trained models and enrolled controllers', async () => {
    await page.goto(`${hub.url}/deployments?target=${targetId}`);
    await page.getByRole('heading', { name: 'Deploy a model' }).waitFor();
    await page.getByText('No models to deploy').waitFor();
    const landed = (await fetch(`${hub.url}/api/v1/deployments`)).status !== 404;
    if (!landed) await page.getByText('This hub does not offer this yet').waitFor();
    await shot(page, 'deployments');
  });

  it('fits every page at phone width (390 px)', async () => {
    const phone = await openPage(ctx, NOT_LANDED, PHONE);
    await phone.page.goto(`${hub.url}/login`);
    await shot(phone.page, 'login');
    await signIn(phone.page, hub.url, 'admin', ADMIN_PASSWORD);
    for (const [name, route] of [['datasets', '/datasets'], ['fleet', '/fleet'], ['fleet-target', `/fleet/${targetId}`], ['fleet-enroll', '/fleet/enroll'],
      ['upload', '/datasets/upload'], ['connect', '/datasets/connect'], ['training-list', '/training'], ['models', '/models'], ['deployments', '/deployments']] as const) {
      await phone.page.goto(`${hub.url}${route}`);
      await phone.page.locator('.page-header h1').waitFor();
      await phone.page.waitForFunction(() => !document.querySelector('.state.loading'));
      expect(await pageWidth(phone.page), name).toBeLessThanOrEqual(PHONE.width);
      await shot(phone.page, name);
    }
    await phone.page.getByRole('button', { name: 'Menu' }).click();
    await phone.page.getByRole('link', { name: 'Datasets' }).waitFor();
    await shot(phone.page, 'menu-open');
    expect(phone.errors).toEqual([]);
  });

  it('had no console errors', () => {
    expect(tab.errors).toEqual([]);
  });
});
