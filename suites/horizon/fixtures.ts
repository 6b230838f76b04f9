// Fixtures of the @horizon suite: Debian's chromium (never a downloaded browser), the run's Horizon
// settings, and a screenshot plus the console errors attached when a check fails.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import type { Browser, Page, TestInfo } from '@playwright/test';
import { resolveConfig } from '../../src/config/index.js';
import { CHROMIUM_ARGS, type HorizonSettings, horizonSettings } from '../../src/horizon/index.js';
import { test as base } from '../fixtures.js';

/** The Horizon settings of this run, from the same flags and environment as the API checks. */
export function runHorizonSettings(): HorizonSettings {
  const flags = JSON.parse(process.env.GH_FLAGS ?? '{}');
  return horizonSettings(resolveConfig({ flags, env: process.env, cwd: process.cwd(), homeDir: homedir() }));
}

/** Attaches a PNG of the page to the report (and to the current Allure step). */
export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await testInfo.attach(name, { body: await page.screenshot(), contentType: 'image/png' });
}

interface HorizonWorkerFixtures {
  horizon: HorizonSettings;
}

interface HorizonTestFixtures {
  consoleErrors: string[];
}

export const test = base.extend<HorizonTestFixtures, HorizonWorkerFixtures>({
  horizon: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixture signature
    async ({}, use) => {
      await use(runHorizonSettings());
    },
    { scope: 'worker' },
  ],
  browser: [
    async ({ playwright, horizon }, use) => {
      try {
        accessSync(horizon.chromium, constants.X_OK);
      } catch {
        throw new Error(
          `No chromium at ${horizon.chromium}: install Debian's (apt-get install chromium, or glance-harness lab up --with-horizon) or set GLANCE_HARNESS_CHROMIUM`,
        );
      }
      const browser: Browser = await playwright.chromium.launch({
        executablePath: horizon.chromium,
        args: [...CHROMIUM_ARGS],
      });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  viewport: { width: 1400, height: 1000 },
  consoleErrors: async ({ page }, use, testInfo) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    await use(errors);
    if (testInfo.status !== testInfo.expectedStatus) {
      await snap(page, testInfo, 'failure-page.png').catch(() => undefined);
      await testInfo.attach('console-errors.txt', {
        body: errors.length > 0 ? errors.join('\n') : '(no console errors)',
        contentType: 'text/plain',
      });
    }
  },
});
