import fs from 'node:fs';
import type { DiagnosisDaySeries, DiagnosisView, PointMap, TrainingRunDetail } from '@prometheus/protocol';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, adminToken, api, hubSpec, killAll, root, startHub, type HubProc } from '../edge-link/harness.js';
import { ahuCsv, buildConsole, chartPoints, launchBrowser, openPage, pageWidth, PHONE, shot, signIn, type WatchedPage } from './browser.js';

// Diagnostics in a real browser: confirm a point map (the hub's 400 shown beside the field it names), run the
// Guideline 36 rules on two days of LBNL's SZVAV air handler and see each day's episodes as bands over its
// readings; and what every page shows against what the API returns for the same record.
const SZVAV = fs.readFileSync(`${root}/test/fixtures/lbnl/SZVAV.csv`, 'utf8');
const [HEADER, ...LINES] = SZVAV.trim().split(/\r?\n/);
// 9/14/2017: the heating-coil valve stuck fully open (the data's fault list); 9/20/2017: a normal day.
const SLICE = `${[HEADER!, ...LINES.filter((l) => l.startsWith('9/14/2017 ') || l.startsWith('9/20/2017 '))].join('\n')}\n`;
const MIXED_AIR = 'AHU: Mixed Air Temperature';
const OCCUPANCY = 'Occupancy Mode Indicator';

let hub: HubProc;
let token: string;
let ctx: BrowserContext;
let tab: WatchedPage;
let page: Page;
let datasetId = '';
let diagnosisId = '';

async function uploadViaApi(name: string, csv: string, timezone?: string): Promise<string> {
  const form = new FormData();
  form.set('name', name);
  form.set('equipment_type', 'air_handler');
  if (timezone) form.set('timezone', timezone);
  form.set('file', new Blob([csv], { type: 'text/csv' }), `${name}.csv`);
  const res = await fetch(`${hub.url}/api/v1/datasets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The console's own formatting of an API time (ui/format.ts `when`, no zone preference set). */
const shown = (iso: string) => page.evaluate((t) => new Date(t).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' }), iso);
const row = (column: string) => page.locator(`[data-testid=point-map] tr[data-column="${column}"]`);

beforeAll(async () => {
  buildConsole();
  hub = await startHub(await hubSpec());
  token = await adminToken(hub.url);
  datasetId = await uploadViaApi('SZVAV two days', SLICE, 'America/Los_Angeles');
  ctx = await launchBrowser();
  // The 400s of the bad map and the bad setting are provoked on purpose.
  tab = await openPage(ctx, [/status of 400 .*@ .*\/api\/v1\/datasets\/ds_\w+\/(points|diagnose)$/]);
  page = tab.page;
  await signIn(page, hub.url, 'admin', ADMIN_PASSWORD);
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  await killAll();
});

describe('console: point map and diagnosis', () => {
  it('shows the suggested point map as the API has it', async () => {
    const suggested = (await api<PointMap>(hub.url, 'GET', `/api/v1/datasets/${datasetId}/points`, token)).body;
    expect(suggested.confirmed).toBe(false);
    await page.goto(`${hub.url}/datasets/${datasetId}`);
    await page.locator('[data-testid=point-map]').waitFor();
    await page.getByText('suggested by the hub').waitFor();
    const rows = page.locator('[data-testid=point-map] tbody tr');
    expect(await rows.count()).toBe(suggested.points.length);
    for (const p of suggested.points) {
      const r = row(p.column);
      expect(await r.locator('select[name=input]').inputValue(), p.column).toBe(p.input ?? '');
      expect(await r.locator('select[name=unit]').inputValue(), p.column).toBe(p.unit ?? '');
      expect(await r.locator('input[name=brick_class]').inputValue(), p.column).toBe(p.brick_class ?? '');
    }
    await page.locator('section.point-map').screenshot({ path: `${root}/test-artifacts/console/point-map-1280.png` });
  });

  it('shows the hub\'s errors beside the fields they name, then confirms the corrected map', async () => {
    // Mixed air read as supply air (SAT already is) and a Brick class that does not exist.
    await row(MIXED_AIR).locator('select[name=input]').selectOption('sat');
    await row(OCCUPANCY).locator('input[name=brick_class]').fill('Occupancy_Thing');
    await page.getByText('edited, not confirmed').waitFor();
    await page.getByRole('button', { name: 'Confirm map' }).click();
    const inputError = row(MIXED_AIR).locator('.field-error[data-field=input]');
    await inputError.waitFor();
    expect(await inputError.textContent()).toMatch(/'sat' is already the input of 'AHU: Supply Air Temperature'/);
    expect(await row(OCCUPANCY).locator('.field-error[data-field=brick_class]').textContent()).toContain("'Occupancy_Thing' is not a Brick point class");
    expect(await page.locator('.field-error').count()).toBe(2);
    expect((await api<PointMap>(hub.url, 'GET', `/api/v1/datasets/${datasetId}/points`, token)).body.confirmed).toBe(false);
    await shot(page, 'point-map-errors');

    await row(MIXED_AIR).locator('select[name=input]').selectOption('mat');
    await row(OCCUPANCY).locator('input[name=brick_class]').fill('Occupancy_Status');
    expect(await page.locator('.field-error').count()).toBe(0);
    await page.getByRole('button', { name: 'Confirm map' }).click();
    await page.getByText('Point map confirmed.').waitFor();
    const stored = (await api<PointMap>(hub.url, 'GET', `/api/v1/datasets/${datasetId}/points`, token)).body;
    expect(stored.confirmed).toBe(true);
    expect(stored.points.find((p) => p.column === OCCUPANCY)?.brick_class).toBe('Occupancy_Status');
    expect(stored.points.find((p) => p.column === MIXED_AIR)?.input).toBe('mat');
    await page.locator('section.point-map .badge', { hasText: 'confirmed' }).waitFor();
    // The page shows the stored map after a reload too.
    await page.reload();
    await page.locator('section.point-map .badge', { hasText: 'confirmed' }).waitFor();
    expect(await row(OCCUPANCY).locator('input[name=brick_class]').inputValue()).toBe('Occupancy_Status');
    await shot(page, 'point-map-confirmed');
  });

  it('downloads the map as Brick Turtle', async () => {
    const link = page.locator('[data-testid=turtle]');
    expect(await link.getAttribute('href')).toBe(`/api/v1/datasets/${datasetId}/points?format=ttl`);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/\.ttl$/);
    const ttl = fs.readFileSync(await download.path(), 'utf8');
    expect(ttl).toContain('@prefix brick:');
    expect(ttl).toContain('brick:Occupancy_Status');
    expect(new URL(page.url()).pathname).toBe(`/datasets/${datasetId}`);
  });

  it('runs a diagnosis and shows each day with its episodes as bands over the readings', async () => {
    // A setting out of its range: the hub's 400 stands beside that setting, and nothing runs.
    await page.locator('section.diagnoses summary').click();
    await page.fill('section.diagnoses input[name=eps_sat]', '99');
    await page.getByRole('button', { name: 'Run a diagnosis' }).click();
    const settingError = page.locator('section.diagnoses label:has(input[name=eps_sat]) .field-error');
    await settingError.waitFor();
    expect(await settingError.textContent()).toMatch(/20/);
    expect((await api<unknown[]>(hub.url, 'GET', `/api/v1/datasets/${datasetId}/diagnoses`, token)).body).toEqual([]);
    await shot(page, 'diagnose-settings-error');
    await page.fill('section.diagnoses input[name=eps_sat]', '');
    await page.getByRole('button', { name: 'Run a diagnosis' }).click();
    await page.waitForURL(/\/diagnoses\/dgn_/);
    diagnosisId = new URL(page.url()).pathname.split('/')[2]!;
    await page.locator('.page-header .badge', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
    const d = (await api<DiagnosisView>(hub.url, 'GET', `/api/v1/diagnoses/${diagnosisId}`, token)).body;
    expect(d.status).toBe('completed');
    expect(d.days.map((x) => x.date)).toEqual(['2017-09-14', '2017-09-20']);
    // The days as the API has them.
    const days = page.locator('[data-testid=diagnosis-days-table] tbody tr');
    expect(await days.count()).toBe(d.days.length);
    for (const day of d.days) {
      const cells = await page.locator(`[data-testid=diagnosis-days-table] tr[data-date="${day.date}"] td`).allTextContents();
      expect(cells[1]).toBe(day.minutes.toLocaleString('en-US'));
      expect(cells[2]).toBe(day.fault_conditions.join(', ') || 'none');
    }
    expect(await page.locator('[data-testid=diagnosis-episodes] strong').textContent()).toBe(String(d.episodes.length));
    // The heating-valve day is shown first; its chart has every reading of the day and one band per episode.
    const faultDay = d.days.find((x) => x.date === '2017-09-14')!;
    expect(faultDay.minutes).toBeGreaterThan(30);
    expect(d.episodes.some((e) => e.family === 'heating_valve')).toBe(true);
    const shownEpisodes = await checkDay(d, '2017-09-14');
    await page.locator('section.diagnosis-day [data-testid=family-legend]', { hasText: 'Heating valve' }).waitFor();
    // Each episode with its evidence, in the API's order.
    for (const [i, e] of shownEpisodes.entries()) {
      const li = page.locator('[data-testid=episodes] > li').nth(i);
      expect(await li.getAttribute('data-family')).toBe(e.family);
      expect(await li.locator('.evidence li').allTextContents()).toEqual(e.evidence);
    }
    // Skipped rules and the minimum outdoor-air estimate, as the API has them.
    const skipped = page.locator('[data-testid=skipped-rules] tbody tr');
    expect(await skipped.count()).toBe(d.skipped_rules.length);
    for (const s of d.skipped_rules) await page.locator('[data-testid=skipped-rules] td', { hasText: s.reason }).first().waitFor();
    expect(d.min_oa?.source).toBe('estimated');
    expect(await page.locator('[data-testid=diagnosis-min-oa] strong').textContent()).toBe(`${Number((d.min_oa!.fraction! * 100).toPrecision(3))}%`);
    await shot(page, 'diagnosis');
    // The other day, picked from the table.
    await page.locator('[data-testid=diagnosis-days-table] tr[data-date="2017-09-20"] button').click();
    await checkDay(d, '2017-09-20');
    await shot(page, 'diagnosis-normal-day');
  });

  it('lists the dataset\'s diagnoses as the API does', async () => {
    await page.goto(`${hub.url}/datasets/${datasetId}`);
    const list = page.locator('[data-testid=diagnoses] tbody tr');
    await list.first().waitFor();
    expect(await list.count()).toBe(1);
    const d = (await api<DiagnosisView>(hub.url, 'GET', `/api/v1/diagnoses/${diagnosisId}`, token)).body;
    const cells = await list.first().locator('td').allTextContents();
    expect(cells[0]).toBe(diagnosisId);
    expect(cells[1]).toBe('completed');
    expect(cells[3]).toBe(String(d.episodes.length));
  });

  it('draws the sidebar down the whole of a long page', async () => {
    await page.goto(`${hub.url}/diagnoses/${diagnosisId}`);
    await chartPoints(page, 'day-chart-temperatures', 0);
    const { sidebar, documentHeight, viewport } = await page.evaluate(() => ({
      sidebar: document.querySelector('nav.sidebar')!.getBoundingClientRect().height,
      documentHeight: document.documentElement.scrollHeight,
      viewport: window.innerHeight,
    }));
    expect(documentHeight).toBeGreaterThan(2 * viewport);
    // Layout heights are fractional; the document's is rounded.
    expect(Math.abs(sidebar - documentHeight)).toBeLessThan(1);
  });

  it('shows a finished run\'s finish time as its record has it, the moment it shows "completed"', async () => {
    const ahu = await uploadViaApi('Small AHU', ahuCsv(1500));
    expect((await api<{ valid: boolean }>(hub.url, 'POST', `/api/v1/datasets/${ahu}/validate`, token)).body.valid).toBe(true);
    const run = await api<{ id: string }>(hub.url, 'POST', '/api/v1/training/start', token, {
      dataset_id: ahu, architecture: 'lstm_autoencoder', name: 'Quick run',
      hyperparameters: { epochs: 60, hidden_dim: 4, bottleneck_dim: 2, sequence_length: 10, batch_size: 64, stride: 5 },
    });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    await page.goto(`${hub.url}/training/${run.body.id}`);
    // Watched while it runs: the socket's end and the run's record race each other here.
    await page.locator('.page-header .badge', { hasText: 'running' }).waitFor();
    await chartPoints(page, 'loss-chart', 0);
    await page.locator('.page-header .badge', { hasText: 'completed' }).waitFor({ timeout: 180_000 });
    const finished = await page.locator('[data-testid=run-finished] strong').textContent();
    const record = (await api<TrainingRunDetail>(hub.url, 'GET', `/api/v1/training/${run.body.id}`, token)).body;
    expect(record.status).toBe('completed');
    expect(finished).toBe(await shown(record.completed_at!));
    expect(await page.locator('[data-testid=run-started] strong').textContent()).toBe(await shown(record.started_at!));
  });

  it('fits the point map and the diagnosis at phone width (390 px)', async () => {
    const phone = await openPage(ctx, [], PHONE);
    await signIn(phone.page, hub.url, 'admin', ADMIN_PASSWORD);
    for (const [name, route] of [['dataset-points', `/datasets/${datasetId}`], ['diagnosis', `/diagnoses/${diagnosisId}`]] as const) {
      await phone.page.goto(`${hub.url}${route}`);
      await phone.page.locator('.page-header h1').waitFor();
      await phone.page.waitForFunction(() => !document.querySelector('.state.loading'));
      await shot(phone.page, name);
      expect(await pageWidth(phone.page), name).toBeLessThanOrEqual(PHONE.width);
    }
    expect(phone.errors).toEqual([]);
  });

  it('had no console errors', () => {
    expect(tab.errors).toEqual([]);
  });
});

/** The day's charts: every reading of the day the API serves, one band per episode overlapping it. */
async function checkDay(d: DiagnosisView, date: string): Promise<DiagnosisView['episodes']> {
  const series = (await api<DiagnosisDaySeries>(hub.url, 'GET', `/api/v1/diagnoses/${d.id}/series?date=${date}`, token)).body;
  expect(series.t).toHaveLength(1440);
  const end = series.t[series.t.length - 1]! + 60_000;
  const overlapping = d.episodes.filter((e) => Date.parse(e.start) < end && Date.parse(e.end) > series.t[0]!);
  await page.locator(`[data-testid=diagnosis-days-table] tr.selected[data-date="${date}"]`).waitFor();
  await page.locator('section.diagnosis-day h2', { hasText: date }).waitFor();
  expect(await chartPoints(page, 'day-chart-temperatures', 1439)).toBe(1440);
  // A band per stretch of time a family was in fault (overlapping episodes of one family shade once).
  let stretches = 0;
  for (const family of new Set(overlapping.map((e) => e.family))) {
    let until = -Infinity;
    for (const e of overlapping.filter((x) => x.family === family).sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
      if (Date.parse(e.start) > until) stretches += 1;
      until = Math.max(until, Date.parse(e.end));
    }
  }
  for (const id of ['day-chart-temperatures', 'day-chart-commands']) {
    expect(await page.locator(`[data-testid=${id}]`).getAttribute('data-bands'), `${date} ${id}`).toBe(String(stretches));
  }
  expect(await page.locator('[data-testid=episodes] > li').count()).toBe(overlapping.length);
  if (date === '2017-09-14') expect(overlapping.length).toBeGreaterThan(0);
  return overlapping;
}
