// The docs page as a person sees it: Debian's Chromium, headless, driven by playwright-core. The
// page must render every operation of the contract from this server alone: any request leaving
// the machine is recorded (and refused), so a renderer that reaches for a CDN fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { specDocument } from '../src/api/spec.ts';
import { startTestRelay } from './helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function specOperationIds(): string[] {
  const paths = specDocument().paths as Record<string, Record<string, { operationId?: string }>>;
  return Object.values(paths).flatMap((item) => Object.values(item).map((op) => op.operationId!)).sort();
}

test('GET /api/v2/docs renders in Chromium, lists every operation, loads nothing from elsewhere', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const relay = await startTestRelay({ httpApi: { http_bearer_token: 'secret' } });
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    const errors: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      elsewhere.push(url.href);
      return route.abort();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    // The page is public: no token is sent.
    const res = await page.goto(`http://127.0.0.1:${relay.ports.http}/api/v2/docs`);
    assert.equal(res?.status(), 200);
    await page.waitForSelector('[data-section-id*="/operation/"]', { timeout: 30_000 });
    assert.equal(await page.title(), specDocument().info.title);

    // Redoc renders one section per operation and tag: "tag/<tag>/operation/<operationId>".
    const sections = await page.$$eval('[data-section-id*="/operation/"]', (els) => els.map((e) => e.getAttribute('data-section-id')!));
    const rendered = [...new Set(sections.map((s) => s.split('/operation/')[1]))].sort();
    assert.deepEqual(rendered, specOperationIds());

    // The search (Redoc's worker, a blob: URL) finds an operation by its summary.
    await page.fill('input[placeholder="Search..."]', 'Kick out the specified client');
    const hit = page.locator('[data-role="search:results"] [data-item-id]').first();
    await hit.waitFor({ timeout: 10_000 });
    assert.equal(await hit.getAttribute('data-item-id'), 'tag/clients/operation/kick_client');

    assert.deepEqual(elsewhere, [], 'no request leaves the machine');
    assert.deepEqual(errors, [], 'no script error');
  } finally {
    await browser.close();
    await relay.close();
  }
});
