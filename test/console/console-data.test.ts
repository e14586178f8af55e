import fs from 'node:fs';
import path from 'node:path';
import type { EvaluationDetail } from '@prometheus/protocol';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, adminToken, api, freePort, hubSpec, killAll, startHub, tempDir, waitFor, type HubProc } from '../edge-link/harness.js';
import { ahuCsv, ARTIFACTS, buildConsole, chartPoints, launchBrowser, openPage, pageWidth, PHONE, shot, signIn, type WatchedPage } from './browser.js';

// A person's path through the data side of the console in a real browser: sign in, upload, preview,
// validate, connect, train from a recommendation while the loss chart moves, then the model and its evaluation.
let hub: HubProc;
let token: string;
let ctx: BrowserContext;
let tab: WatchedPage;
let page: Page;
const files = tempDir('console-data');
const state: { datasetId?: string; runId?: string; modelId?: string; otherModelId?: string; evaluationId?: string } = {};

beforeAll(async () => {
  buildConsole();
  hub = await startHub(await hubSpec(), { TRAINING_MAX_CONCURRENT: '2' });
  token = await adminToken(hub.url);
  // Two runs at once and several models: beyond the Free tier's limits.
  expect((await api(hub.url, 'PUT', '/api/v1/admin/users/admin/subscription', token, { tier: 'enterprise' })).status).toBe(200);
  ctx = await launchBrowser();
  // Failed requests the test provokes on purpose: a wrong password, a database that is not there.
  tab = await openPage(ctx, [/status of 401 .*@ .*\/api\/v1\/auth\/login/, /status of 502 .*@ .*\/api\/v1\/datasets\/connect/]);
  page = tab.page;
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  await killAll();
});

async function uploadViaApi(name: string, csv: string): Promise<string> {
  const form = new FormData();
  form.set('name', name);
  form.set('equipment_type', 'air_handler');
  form.set('file', new Blob([csv], { type: 'text/csv' }), `${name}.csv`);
  const res = await fetch(`${hub.url}/api/v1/datasets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** Waits until the preview shows rows whose column `col` is in the given order (a loaded, sorted page). */
const sortedRows = (col: number, order: 'asc' | 'desc') => page.waitForFunction(([c, o]) => {
  const v = [...document.querySelectorAll(`[data-testid=preview] tbody tr td:nth-child(${c})`)].map((td) => Number(td.textContent));
  return v.length > 1 && v.every((x, i) => i === 0 || (o === 'asc' ? v[i - 1]! <= x : v[i - 1]! >= x));
}, [col, order] as const);
const columnValues = (col: number) => page.$$eval(`[data-testid=preview] tbody tr td:nth-child(${col})`, (tds) => tds.map((td) => Number(td.textContent)));

describe('console: data, training, models', () => {
  it('signs in after a wrong password and shows the empty datasets page', async () => {
    await page.goto(`${hub.url}/datasets`);
    await page.waitForURL(/\/login\?next=/);
    await shot(page, 'login');
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await page.getByText('Wrong username or password').waitFor();
    await shot(page, 'login-error');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/datasets$/);
    await page.getByText('No datasets yet').waitFor();
    await shot(page, 'datasets-empty');
  });

  it('uploads a CSV with a progress bar and shows its column statistics', async () => {
    const csv = path.join(files, 'warren-ahu-1.csv');
    fs.writeFileSync(csv, ahuCsv(3000));
    await page.click('text=Upload CSV');
    await page.setInputFiles('input[name=file]', csv);
    await page.fill('input[name=name]', 'Warren AHU-1');
    await page.fill('input[name=unit]', 'AHU-1');
    await page.fill('input[name=timezone]', 'America/New_York');
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { seen: number[] }).seen = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid=upload-progress] progress');
        if (bar) seen.push(Number(bar.getAttribute('value')));
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await shot(page, 'upload');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/datasets\/ds_/);
    state.datasetId = new URL(page.url()).pathname.split('/')[2];
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBe(100);
    await page.getByText('Upload complete: 3,000 rows read').waitFor();
    await page.getByRole('cell', { name: 'supply_temp' }).waitFor();
    await page.getByText('America/New_York').waitFor();
    await shot(page, 'dataset-detail');
  });

  it('sorts and pages the preview on the hub', async () => {
    await page.getByRole('button', { name: 'supply_temp' }).click();
    await page.locator('th[aria-sort=ascending]').waitFor();
    // The header shows the new order at once; the hub's sorted page arrives after it.
    await sortedRows(2, 'asc');
    const asc = await columnValues(2);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    await page.getByRole('button', { name: 'supply_temp ▲' }).click();
    await page.locator('th[aria-sort=descending]').waitFor();
    await sortedRows(2, 'desc');
    const desc = await columnValues(2);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('page 2 of 120').waitFor();
  });

  it('validates and locks, unlocks, and lists the issues of a bad file', async () => {
    await page.getByRole('button', { name: 'Validate and lock' }).click();
    await page.getByText('Ready for training').waitFor();
    await page.getByText('validated · locked').waitFor();
    await shot(page, 'dataset-validated');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('not validated').first().waitFor();
    await page.getByRole('button', { name: 'Validate and lock' }).click();
    await page.getByText('validated · locked').waitFor();

    const mixed = ahuCsv(400).split('\n').map((l, i) => (i > 0 && i % 3 === 0 ? l.replace(/,([\d.]+),/, ',#VALUE!,') : l)).join('\n');
    const bad = await uploadViaApi('Mixed types', mixed);
    await page.goto(`${hub.url}/datasets/${bad}`);
    await page.getByRole('button', { name: 'Validate and lock' }).click();
    const issues = page.locator('[data-testid=validation-issues] li');
    await issues.first().waitFor();
    expect(await issues.allTextContents()).toContainEqual(expect.stringContaining("Column 'supply_temp': mixed types detected"));
    await shot(page, 'dataset-issues');
    // A third of supply_temp is '#VALUE!': the user accepts 40% and validates again; the finding becomes a warning.
    const tolerance = page.locator('[data-testid=validation-tolerance]');
    await tolerance.locator('input[name=tolerance_percent]').fill('40');
    await tolerance.getByRole('button', { name: 'Validate with this tolerance' }).click();
    await page.getByText('validated · locked').waitFor();
    await page.getByText('Within tolerance').waitFor();
    expect(await page.locator('.alert.warn li').allTextContents()).toContainEqual(expect.stringContaining("Column 'supply_temp': mixed types detected"));
  });

  it('shows the connect form of every source type and names the database it could not reach', async () => {
    await page.goto(`${hub.url}/datasets/connect`);
    const fields: Record<string, string> = {
      aegis_bridge: 'controller_ip', influxdb: 'measurement', postgresql: 'connection_string', tidb: 'api_url',
      sqlite: 'connection_string', mongodb: 'mongodb_collection', spacetimedb: 'auth_token',
    };
    for (const [type, field] of Object.entries(fields)) {
      await page.selectOption('select[name=source_type]', type);
      await page.locator(`[name=${field}]`).waitFor();
    }
    const port = await freePort();
    await page.selectOption('select[name=source_type]', 'postgresql');
    await page.fill('input[name=connection_string]', `postgresql://reader:secret@127.0.0.1:${port}/plant`);
    await page.fill('textarea[name=query]', 'SELECT * FROM readings');
    await page.fill('input[name=name]', 'Plant historian');
    await page.click('button[type=submit]');
    await page.getByText(`Could not reach the database at 127.0.0.1:${port}`).waitFor();
    await shot(page, 'connect-error');
  });

  it('starts training prefilled from a recommendation and the loss chart moves live', async () => {
    // A second, smaller run in the background gives the comparison a partner.
    const other = await api<{ id: string }>(hub.url, 'POST', '/api/v1/training/start', token, {
      dataset_id: state.datasetId, architecture: 'lstm_autoencoder', name: 'Small autoencoder',
      hyperparameters: { epochs: 3, hidden_dim: 4, bottleneck_dim: 2, sequence_length: 10, batch_size: 64, stride: 5 },
    });
    expect(other.status).toBe(201);
    await page.goto(`${hub.url}/datasets/${state.datasetId}`);
    const card = page.locator('[data-testid=recommendation]', { hasText: 'LSTM autoencoder' });
    await card.getByRole('link', { name: 'Train this' }).click();
    await page.waitForURL(/\/training\/new\?/);
    expect(await page.inputValue('select[name=architecture]')).toBe('lstm_autoencoder');
    expect(await page.inputValue('input[name=hidden_dim]')).toBe('16');
    await shot(page, 'training-start');
    for (const [k, v] of Object.entries({ epochs: '30', hidden_dim: '8', bottleneck_dim: '4', sequence_length: '10', batch_size: '64', stride: '5' })) {
      await page.fill(`input[name=${k}]`, v);
    }
    await page.fill('input[name=name]', 'Warren AHU-1 anomaly detector');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/training\/tr_/);
    state.runId = new URL(page.url()).pathname.split('/')[2];
    const first = await chartPoints(page, 'loss-chart', 0);
    const later = await chartPoints(page, 'loss-chart', first);
    expect(later).toBeGreaterThan(first);
    await shot(page, 'training-live');
    await page.locator('.badge', { hasText: 'completed' }).first().waitFor({ timeout: 180_000 });
    expect(await chartPoints(page, 'loss-chart', 29)).toBe(30);
    await shot(page, 'training-done');
    await waitFor('the second run', async () => (await api<{ status: string; model_id: string }>(hub.url, 'GET', `/api/v1/training/${other.body.id}`, token)).body.model_id, 120_000, 500)
      .then((id) => (state.otherModelId = id));
  });

  it('shows the queue and the runs', async () => {
    await page.goto(`${hub.url}/training`);
    await page.locator('[data-testid=queue]').waitFor();
    await page.getByRole('link', { name: state.runId! }).waitFor();
    await shot(page, 'training-list');
  });

  it('shows the model with its metrics and downloads .axonml and ONNX', async () => {
    await page.goto(`${hub.url}/training/${state.runId}`);
    await page.getByRole('link', { name: 'Open model' }).click();
    await page.waitForURL(/\/models\/mdl_/);
    state.modelId = new URL(page.url()).pathname.split('/')[2];
    await page.locator('[data-testid=model-metrics]').waitFor();
    for (const [file, ext] of [['axonml', '.axonml'], ['onnx', '.onnx']] as const) {
      const row = page.locator(`[data-file=${file}]`);
      const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
      expect(download.suggestedFilename().endsWith(ext)).toBe(true);
      expect(fs.statSync(await download.path()).size).toBeGreaterThan(100);
    }
    await shot(page, 'model-detail');
    await page.goto(`${hub.url}/models`);
    await page.getByRole('link', { name: 'Warren AHU-1 anomaly detector' }).waitFor();
    await shot(page, 'models');
  });

  it('shows the evaluation: metrics against the PCA baseline, confusion matrix, both ROC curves, training curves', async () => {
    await page.goto(`${hub.url}/models/${state.modelId}`);
    await page.getByRole('link', { name: 'Evaluation', exact: true }).click();
    await page.waitForURL(/\/evaluations\/eval_/);
    state.evaluationId = new URL(page.url()).pathname.split('/')[2];
    await page.locator('[data-testid=confusion-matrix]').waitFor();
    expect(await chartPoints(page, 'curves-chart', 0)).toBe(30);
    // The validation days hold labelled faults: the hub's ROC points of the model and of the PCA baseline, drawn
    // by uPlot on the x values of both, with both AUCs in the title and the legend.
    const ev = (await api<EvaluationDetail>(hub.url, 'GET', `/api/v1/evaluations/${state.evaluationId}`, token)).body;
    const points = ev.figures.roc_curve!.fpr.length + ev.figures.baseline_roc_curve!.fpr.length;
    expect(points).toBeGreaterThan(4);
    const roc = page.locator('[data-testid=roc]');
    await roc.locator('[data-testid=roc-chart] canvas').first().waitFor();
    expect(await chartPoints(page, 'roc-chart', points - 1)).toBe(points);
    const auc3 = (x: number) => String(Number(x.toPrecision(3)));
    const [modelAuc, baselineAuc] = [ev.metrics.auc_roc!, ev.baseline!.auc_roc!];
    await page.getByRole('heading', { name: `ROC curve · AUC ${auc3(modelAuc)} · PCA baseline ${auc3(baselineAuc)}` }).waitFor();
    await roc.getByText(`PCA baseline · AUC ${auc3(baselineAuc)}`).waitFor();
    // The verdict says plainly which side wins, and the baseline's row stands beside the model's.
    const verdict = page.locator('[data-testid=baseline-verdict]');
    await verdict.getByText(ev.beats_baseline ? 'Beats the linear baseline' : 'Loses to the linear baseline').waitFor();
    expect(await verdict.textContent()).toContain(`ROC AUC ${auc3(modelAuc)} against ${auc3(baselineAuc)}`);
    const rows = page.locator('[data-testid=baseline-comparison] tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toContain(`PCA baseline${ev.baseline!.components} component`);
    await page.locator('[data-testid=alarms], section.card:has-text("No alarms")').first().waitFor();
    await shot(page, 'evaluation');
    await page.locator('section.card', { has: roc }).screenshot({ path: path.join(ARTIFACTS, 'evaluation-roc-1280.png') });
    await page.goto(`${hub.url}/evaluations`);
    await page.getByRole('link', { name: state.modelId! }).first().waitFor();
    await shot(page, 'evaluations');
  });

  it('compares two models side by side', async () => {
    await page.goto(`${hub.url}/models/compare?a=${state.modelId}&b=${state.otherModelId}`);
    await page.locator('[data-testid=compare]').waitFor();
    await page.locator('[data-testid=compare] a', { hasText: 'Small autoencoder' }).waitFor();
    await shot(page, 'models-compare');
  });

  it('stops a running training run from its page', async () => {
    const run = await api<{ id: string }>(hub.url, 'POST', '/api/v1/training/start', token, {
      dataset_id: state.datasetId, architecture: 'lstm_autoencoder', name: 'Long run',
      hyperparameters: { epochs: 500, hidden_dim: 4, bottleneck_dim: 2, sequence_length: 10, batch_size: 64, stride: 5 },
    });
    expect(run.status).toBe(201);
    await page.goto(`${hub.url}/training/${run.body.id}`);
    await chartPoints(page, 'loss-chart', 0);
    await page.getByRole('button', { name: 'Stop training' }).click();
    await page.locator('.page-header .badge', { hasText: 'stopped' }).waitFor();
    expect((await api<{ status: string }>(hub.url, 'GET', `/api/v1/training/${run.body.id}`, token)).body.status).toBe('stopped');
    await shot(page, 'training-stopped');
  });

  it('fits the data pages at phone width (390 px)', async () => {
    const phone = await openPage(ctx, [], PHONE);
    await signIn(phone.page, hub.url, 'admin', ADMIN_PASSWORD);
    const pages = [['datasets', '/datasets'], ['dataset-detail', `/datasets/${state.datasetId}`], ['training-start', `/training/new?dataset=${state.datasetId}`],
      ['training-done', `/training/${state.runId}`], ['model-detail', `/models/${state.modelId}`], ['models-compare', `/models/compare?a=${state.modelId}&b=${state.otherModelId}`],
      ['evaluation', `/evaluations/${state.evaluationId}`]] as const;
    for (const [name, route] of pages) {
      await phone.page.goto(`${hub.url}${route}`);
      await phone.page.locator('.page-header h1').waitFor();
      await phone.page.waitForFunction(() => !document.querySelector('.state.loading'));
      expect(await pageWidth(phone.page), name).toBeLessThanOrEqual(PHONE.width);
      await shot(phone.page, name);
    }
    expect(phone.errors).toEqual([]);
  });

  it('had no console errors', () => {
    expect(tab.errors).toEqual([]);
  });
});
