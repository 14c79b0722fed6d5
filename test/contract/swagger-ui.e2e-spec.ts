import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startApp, type TestApp } from '../support/app.js';

/**
 * The Swagger UI in a real browser (Debian's `chromium`), opened by a host name that is not
 * loopback over plain http, as a colleague would open it on a shared dev server: the page must
 * render every operation (no `upgrade-insecure-requests` sending its assets to https), and the
 * bearer token entered in "Authorize" must survive a reload.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HOST = 'workdeck.test';
const UI_TIMEOUT_MS = 30_000;

const describeWithChromium = existsSync(CHROMIUM)
  ? describe
  : (name: string, fn: () => void) =>
      describe.skip(`${name} (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`, fn);

describeWithChromium('Swagger UI in headless Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let docsUrl: string;

  beforeAll(async () => {
    app = await startApp();
    const port = new URL(app.url).port;
    docsUrl = `http://${HOST}:${port}/docs`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // The name resolves to this machine only; nothing leaves it.
        `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('renders every operation when opened by a host name over http', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    const response = await page.goto(docsUrl);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).not.toContain(
      'upgrade-insecure-requests',
    );
    await page.waitForSelector('.opblock', { timeout: UI_TIMEOUT_MS });
    const document = (await (await fetch(`${app.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(document.paths).reduce(
      (n, item) => n + Object.keys(item).length,
      0,
    );
    expect(await page.locator('.opblock').count()).toBe(operations);
    await expect(page.locator('.opblock-summary-path').allTextContents()).resolves.toContain(
      '/v1/cards/{cardId}/move',
    );
    expect(failed).toEqual([]);
    await page.close();
  });

  it('keeps the bearer token entered in Authorize across a reload', async () => {
    const page = await browser.newPage();
    await page.goto(docsUrl);
    await page.click('.auth-wrapper .authorize', { timeout: UI_TIMEOUT_MS });
    await page.fill('.auth-container input', 'wd_persisted-token');
    await page.click('.auth-btn-wrapper .modal-btn.authorize');
    await page.click('.auth-btn-wrapper .btn-done');
    await page.reload();
    await page.waitForSelector('.opblock', { timeout: UI_TIMEOUT_MS });
    const stored = await page.evaluate<string | null>('localStorage.getItem("authorized")');
    expect(stored).toContain('wd_persisted-token');
    expect(await page.locator('.auth-wrapper .authorize.locked').count()).toBe(1);
    await page.close();
  });
});
