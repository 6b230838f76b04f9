// Fixtures of the @horizon suite: Debian's chromium (never a downloaded browser), the run's Horizon
// settings, and a screenshot plus the console errors attached when a check fails.
import { accessSync, constants } from 'node:fs';
import type { Browser, Page, TestInfo } from '@playwright/test';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM, type HorizonSettings } from '../../src/horizon/index.js';
import { runContext } from '../context.js';
import { test as base } from '../fixtures.js';

/** The Horizon settings of this run as the CLI resolved them; the password is fetched when a check logs in. */
export function runHorizonSettings(): HorizonSettings {
  const h = runContext().horizon;
  if ('ok' in h) return { ...h.ok };
  if ('skipReason' in h) return { chromium: DEFAULT_CHROMIUM, domain: 'Default', skipReason: h.skipReason };
  throw new Error(h.error);
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
    async ({ run }, use) => {
      const settings = runHorizonSettings();
      const password = settings.skipReason ? undefined : await run.service.secret<string>('horizon');
      await use({ ...settings, ...(password ? { password } : {}) });
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
