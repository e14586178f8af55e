import type { EnrollResponse, RolloutDetail } from '@prometheus/protocol';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lightAgent, type LightAgent } from '../../apps/hub/src/test/light-agent.js';
import { ADMIN_PASSWORD, adminToken, api, hubSpec, killAll, startHub, waitFor, type HubProc } from '../edge-link/harness.js';
import { ahuCsv, buildConsole, launchBrowser, openPage, shot, signIn, type WatchedPage } from './browser.js';

// A rollout started from the console in a real browser: four controllers (light agents on the hub's broker,
// answering the deploy link as the agent does) tagged group:a and two tagged group:b; the rollout page follows
// the canary and the waves live over /ws/rollouts/:id until every group:a controller is deployed.
let hub: HubProc;
let token: string;
let ctx: BrowserContext;
let tab: WatchedPage;
let page: Page;
const agents: LightAgent[] = [];

async function enroll(name: string, group: string): Promise<LightAgent> {
  const created = await api<{ id: string; enrollment_token: string }>(hub.url, 'POST', '/api/v1/deployments/targets', token, { name, arch: 'x64', tags: { group } });
  const enrolled = await api<EnrollResponse>(hub.url, 'POST', '/api/v1/deployments/targets/enroll', undefined, { enrollment_token: created.body.enrollment_token, agent_version: '0.1.0', arch: 'x64' });
  const a = lightAgent(hub.mqttUrl, enrolled.body);
  await a.connect();
  agents.push(a);
  return a;
}

beforeAll(async () => {
  buildConsole();
  hub = await startHub(await hubSpec(), { ROLLOUT_TICK_MS: '200' });
  token = await adminToken(hub.url);
  const form = new FormData();
  form.set('name', 'AHU day');
  form.set('equipment_type', 'air_handler');
  form.set('file', new Blob([ahuCsv(600)], { type: 'text/csv' }), 'ahu.csv');
  const up = await fetch(`${hub.url}/api/v1/datasets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const datasetId = ((await up.json()) as { id: string }).id;
  expect((await api<{ valid: boolean }>(hub.url, 'POST', `/api/v1/datasets/${datasetId}/validate`, token)).body.valid).toBe(true);
  const run = await api<{ id: string }>(hub.url, 'POST', '/api/v1/training/start', token, {
    dataset_id: datasetId, architecture: 'lstm_autoencoder', name: 'Rollout detector',
    hyperparameters: { epochs: 2, hidden_dim: 4, bottleneck_dim: 2, sequence_length: 8, batch_size: 64, stride: 4 },
  });
  expect(run.status, JSON.stringify(run.body)).toBe(201);
  await waitFor('trained model', async () => (await api<{ model_id: string | null }>(hub.url, 'GET', `/api/v1/training/${run.body.id}`, token)).body.model_id ?? undefined, 180_000, 500);
  for (let i = 0; i < 4; i += 1) await enroll(`AHU-a${i}`, 'a');
  for (let i = 0; i < 2; i += 1) await enroll(`AHU-b${i}`, 'b');
  ctx = await launchBrowser();
  tab = await openPage(ctx);
  page = tab.page;
  await signIn(page, hub.url, 'admin', ADMIN_PASSWORD);
}, 300_000);
afterAll(async () => {
  for (const a of agents) await a.disconnect();
  await ctx?.close();
  await killAll();
});

describe('console: rollouts', () => {
  it('starts a rollout to a tagged group and follows its waves live until every target is deployed', async () => {
    await page.goto(`${hub.url}/rollouts`);
    const form = page.locator('[data-testid=rollout-form]');
    await form.waitFor();
    await form.locator('input[name=tags]').fill('group:a');
    await form.locator('input[name=batch]').fill('50');
    await form.locator('input[name=interval]').fill('2');
    await page.getByRole('button', { name: 'Start rollout' }).click();
    await page.waitForURL(/\/rollouts\/rol_/);
    // Every value the progress shows, as the page changes (pushed over the WebSocket, the page does not poll).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const look = () => {
        const v = document.querySelector('[data-testid=rollout-progress]')?.getAttribute('data-deployed');
        if (v !== null && v !== undefined && seen[seen.length - 1] !== v) seen.push(v);
      };
      look();
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.locator('[data-testid=rollout-live]', { hasText: 'live' }).waitFor();
    await page.locator('[data-testid=rollout-status]', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.at(-1)).toBe('4');
    expect(seen.length).toBeGreaterThan(2); // at least one step between the first answer and the end
    const rows = page.locator('[data-testid=rollout-targets] tbody tr');
    expect(await rows.count()).toBe(4);
    expect(await page.locator('[data-testid=rollout-targets] tbody tr[data-state=deployed]').count()).toBe(4);
    expect(await page.locator('[data-testid=rollout-waves] li[data-status=done]').count()).toBe(3);
    // What the page shows against the API's record.
    const id = new URL(page.url()).pathname.split('/')[2]!;
    const r = (await api<RolloutDetail>(hub.url, 'GET', `/api/v1/rollouts/${id}`, token)).body;
    expect(r).toMatchObject({ status: 'completed', counts: { total: 4, deployed: 4 } });
    for (const a of agents) expect(a.manifests.length).toBe(a.current ? 1 : 0);
    expect(agents.filter((a) => a.current).length).toBe(4);
    await shot(page, 'rollout');
    await page.goto(`${hub.url}/rollouts`);
    await page.locator('[data-testid=rollouts-table] tbody tr').first().waitFor();
    expect(await page.locator('[data-testid=rollouts-table]').textContent()).toContain('completed');
    await shot(page, 'rollouts-list');
  }, 180_000);

  it('had no console errors', () => {
    expect(tab.errors).toEqual([]);
  });
});
