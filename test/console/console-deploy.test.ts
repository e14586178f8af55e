import type { DeploymentDetail, PointMap } from '@prometheus/protocol';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAegisDbFake, type AegisDbFake } from '../fakes/index.js';
import {
  ADMIN_PASSWORD, adminToken, agentSpec, api, enrollAgent, hubSpec, killAll, startAgent, startHub, target, waitFor, type HubProc,
} from '../edge-link/harness.js';
import { buildConsole, chartPoints, launchBrowser, openPage, shot, signIn, type WatchedPage } from './browser.js';

// Deploy in a real browser: a controller (the real edge agent on the Aegis-DB double) syncs readings, a
// model is trained on them, and the console deploys it and shows the steps live, then the scores it sends.
let hub: HubProc;
let token: string;
let ctx: BrowserContext;
let tab: WatchedPage;
let page: Page;
let db: AegisDbFake;
let targetId = '';
let modelId = '';

/** Controller documents, one a minute, a daily cycle on four sensors. */
function readings(from: number, to: number): Record<string, unknown>[] {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    const day = Math.sin((2 * Math.PI * (i % 1440)) / 1440);
    return { timestamp: new Date(Date.UTC(2026, 2, 6) + i * 60_000).toISOString(), supply_temp: 55 + 3 * day + (i % 7) / 10,
      return_temp: 72 + 1.5 * day, fan_speed: 60 + 20 * day + (i % 5), damper_position: 40 + 10 * day };
  });
}

beforeAll(async () => {
  buildConsole();
  hub = await startHub(await hubSpec());
  token = await adminToken(hub.url);
  expect((await api(hub.url, 'GET', '/api/v1/deployments', token)).status).toBe(200);
  db = await startAegisDbFake({ mode: 'new', token: 'aegis-secret' });
  db.insert('hardware_metrics', readings(0, 1500));
  const spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', page_size: 500 } });
  targetId = await enrollAgent(hub.url, token, spec, 'Warren AHU-1');
  startAgent(spec, ['--aegis-url', db.url]);
  const t = await waitFor('readings synced', async () => {
    const v = await target(hub.url, token, targetId);
    return v.readings_stored >= 1500 && v.dataset_id ? v : undefined;
  }, 120_000, 500);
  await waitFor('readings handed over to the dataset', async () =>
    (await api<{ row_count: number }>(hub.url, 'GET', `/api/v1/datasets/${t.dataset_id}`, token)).body.row_count >= 1500, 120_000, 500);
  const report = await api<{ valid: boolean }>(hub.url, 'POST', `/api/v1/datasets/${t.dataset_id}/validate`, token);
  expect(report.body.valid, JSON.stringify(report.body)).toBe(true);
  const run = await api<{ id: string }>(hub.url, 'POST', '/api/v1/training/start', token, {
    dataset_id: t.dataset_id, architecture: 'lstm_autoencoder', name: 'Edge detector',
    hyperparameters: { epochs: 3, hidden_dim: 4, bottleneck_dim: 2, sequence_length: 10, batch_size: 64, stride: 5 },
  });
  expect(run.status, JSON.stringify(run.body)).toBe(201);
  modelId = await waitFor('trained model', async () => (await api<{ model_id: string | null }>(hub.url, 'GET', `/api/v1/training/${run.body.id}`, token)).body.model_id ?? undefined, 180_000, 500);
  ctx = await launchBrowser();
  tab = await openPage(ctx);
  page = tab.page;
  await signIn(page, hub.url, 'admin', ADMIN_PASSWORD);
}, 400_000);
afterAll(async () => {
  await ctx?.close();
  await killAll();
  await db?.close();
});

describe('console: deploy', () => {
  it('deploys a model to the controller with the steps shown live', async () => {
    await page.goto(`${hub.url}/deployments?model=${modelId}&target=${targetId}`);
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.waitForURL(/\/deployments\/dep_/);
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const look = () => {
        const s = document.querySelector('[data-testid=deploy-steps]')?.getAttribute('data-status');
        if (s && seen[seen.length - 1] !== s) seen.push(s);
      };
      look();
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.locator('[data-testid=deploy-steps][data-status=deployed]').waitFor({ timeout: 180_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen[seen.length - 1]).toBe('deployed');
    // What the page says against the record the API returns for the same deployment.
    const id = new URL(page.url()).pathname.split('/')[2]!;
    const d = (await api<DeploymentDetail>(hub.url, 'GET', `/api/v1/deployments/${id}`, token)).body;
    expect(d.status).toBe('deployed');
    expect(d.package!.size_bytes).toBeGreaterThan(0);
    expect(d.transfer).toMatchObject({ bytes_acked: d.package!.size_bytes, bytes_total: d.package!.size_bytes, target_online: true });
    const size = page.locator('[data-testid=package-size]');
    expect(await size.locator('strong').textContent()).not.toBe('—');
    expect(await size.textContent()).toContain(`${d.package!.size_bytes.toLocaleString('en-US')} bytes`);
    expect(await page.locator('[data-testid=deploy-transfer]').textContent()).toContain('received by the controller');
    expect(await page.locator('main').textContent()).not.toContain('waiting for the controller');
    const contents = await page.locator('[data-testid=deployment-contents]').textContent();
    expect(contents).toContain(`Model ${d.model_id}`);
    expect(contents?.includes('Guideline 36 rules')).toBe(d.rules !== null);
    await shot(page, 'deployment');
    await page.goto(`${hub.url}/deployments`);
    await page.locator('[data-testid=deploy-steps][data-status=deployed]').first().waitFor();
    await shot(page, 'deployments-list');
  });

  it('edits and confirms the controller\'s point map on its page', async () => {
    const suggested = (await api<PointMap>(hub.url, 'GET', `/api/v1/deployments/targets/${targetId}/points`, token)).body;
    await page.goto(`${hub.url}/fleet/${targetId}`);
    const rows = page.locator('[data-testid=point-map] tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(suggested.points.length);
    const damper = page.locator('[data-testid=point-map] tr[data-column=damper_position]');
    await damper.locator('input[name=brick_class]').fill('Damper_Position_Command');
    await page.getByRole('button', { name: 'Confirm map' }).click();
    await page.getByText('Point map confirmed.').waitFor();
    const stored = (await api<PointMap>(hub.url, 'GET', `/api/v1/deployments/targets/${targetId}/points`, token)).body;
    expect(stored.confirmed).toBe(true);
    expect(stored.points.find((p) => p.column === 'damper_position')?.brick_class).toBe('Damper_Position_Command');
    await shot(page, 'fleet-target-points');
  });

  it('charts the scores the controller sends', async () => {
    db.insert('hardware_metrics', readings(1500, 1700));
    await page.goto(`${hub.url}/fleet/${targetId}`);
    await chartPoints(page, 'scores-chart', 0, 120_000);
    await shot(page, 'fleet-target-scores');
  });

  it('had no console errors', () => {
    expect(tab.errors).toEqual([]);
  });
});
