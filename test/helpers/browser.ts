// Debian's chromium, driven headless by playwright-core, for tests of the HTML pages.
// Where chromium is missing the test is skipped with a message, except under CI (CI=true),
// where that is a failure: CI installs it (scripts/setup.sh).
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from '../../src/report/chromium.js';

/**
 * A headless chromium for test `t`, closed when the test ends; null after marking the test
 * skipped where chromium is not installed (under CI a missing chromium fails the test instead).
 */
export async function launchBrowser(t: TestContext): Promise<Browser | null> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    if (process.env.CI === 'true')
      throw new Error('chromium not installed (required under CI: apt-get install chromium)');
    t.skip('chromium not installed (Debian package chromium): browser test skipped');
    return null;
  }
  const browser = await chromium.launch({ executablePath, headless: true });
  t.after(() => browser.close());
  return browser;
}

/** A new page of `browser` that collects console errors and uncaught page errors into `errors`. */
export async function pageWithErrors(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  return { page, errors };
}
