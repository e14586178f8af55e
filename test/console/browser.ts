import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { root, tempDir } from '../edge-link/harness.js';

// Browser tests of the console: Debian's Chromium driven by playwright-core, a fresh profile per run,
// a screenshot of every page in test-artifacts/console/, and every console error collected.
export const ARTIFACTS = path.join(root, 'test-artifacts/console');
export const CHROMIUM = '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Builds the console when its sources changed (the same step `npm start` runs first). */
export function buildConsole(): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/hub/web/build-if-stale.ts'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`console build failed: ${r.stderr}`);
}

export async function launchBrowser(): Promise<BrowserContext> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launchPersistentContext(tempDir('console-chromium'), {
    executablePath: CHROMIUM, headless: true, viewport: DESKTOP, acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions not expected by the test. */
  errors: string[];
}

/**
 * A new tab whose console errors are collected. `expected` lists errors the test provokes on purpose
 * (Chromium logs every failed request, e.g. the 401 of a wrong password) as patterns over "text @ url".
 */
export async function openPage(ctx: BrowserContext, expected: RegExp[] = [], size = DESKTOP): Promise<WatchedPage> {
  const page = await ctx.newPage();
  await page.setViewportSize(size);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = `${m.text()} @ ${m.location().url}`;
    if (!expected.some((re) => re.test(text))) errors.push(text);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(30_000);
  return { page, errors };
}

export async function shot(page: Page, name: string): Promise<string> {
  const width = page.viewportSize()?.width ?? 0;
  const file = path.join(ARTIFACTS, `${name}-${width}.png`);
  // From the top: a page scrolled by the test would show the sticky sidebar halfway down the full-page image.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function signIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Width of the document: more than the viewport means the page scrolls sideways. */
export const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

/** A day of air-handler readings, one a minute, with a labelled supply-temperature fault every 500 rows. */
export function ahuCsv(rows: number): string {
  const lines = ['timestamp,supply_temp,return_temp,fan_speed,damper_position,fault'];
  let seed = 7;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5);
  for (let i = 0; i < rows; i++) {
    const day = Math.sin((2 * Math.PI * (i % 1440)) / 1440);
    const fault = i % 500 >= 470 ? 1 : 0;
    const ts = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('.000Z', 'Z');
    lines.push([ts, (55 + 3 * day + noise() + (fault ? 8 : 0)).toFixed(2), (72 + 1.5 * day + noise()).toFixed(2),
      (60 + 20 * day + 4 * noise()).toFixed(1), (40 + 10 * day + 2 * noise()).toFixed(1), fault].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Waits until a chart's point count passes `min` and returns it. */
export async function chartPoints(page: Page, testId: string, min: number, timeout = 120_000): Promise<number> {
  const handle = await page.waitForFunction(([id, n]) => {
    const el = document.querySelector(`[data-testid="${id}"]`);
    const v = Number(el?.getAttribute('data-points') ?? '0');
    return v > (n as number) ? v : false;
  }, [testId, min] as const, { timeout, polling: 250 });
  return (await handle.jsonValue()) as number;
}
