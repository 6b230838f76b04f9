import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// Anchored on this directory: a glob like horizon/** would also match a checkout under a folder named horizon.
const HORIZON_SPECS = new RegExp(
  `^${join(import.meta.dirname, 'horizon').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/.*\\.spec\\.ts$`,
);

// The CLI (glance-harness run) sets these; running Playwright by hand works too, with a local run dir.
const runDir = process.env.GH_RUN_DIR ?? join(process.cwd(), 'reports', 'adhoc');

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: join(runDir, 'test-output'),
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  workers: Number(process.env.GH_WORKERS ?? 2),
  timeout: Number(process.env.GH_TEST_TIMEOUT_MS ?? 120_000),
  reporter: [
    [join(import.meta.dirname, 'reporters', 'line-reporter.ts')],
    ['json', { outputFile: join(runDir, 'playwright.json') }],
    [
      'junit',
      {
        outputFile: join(runDir, 'junit.xml'),
        includeProjectInTestName: false,
        embedAnnotationsAsProperties: true,
      },
    ],
    [
      'allure-playwright',
      {
        resultsDir: join(runDir, 'allure-results'),
        detail: false,
        suiteTitle: true,
        environmentInfo: {
          target: process.env.GH_TARGET_ENDPOINT ?? 'unset',
          glance_version: process.env.GH_TARGET_VERSION ?? 'unknown',
          run_id: process.env.GH_RUN_ID ?? 'adhoc',
        },
      },
    ],
  ],
  projects: [
    { name: 'api', testIgnore: HORIZON_SPECS },
    // Debian's chromium, launched by suites/horizon/fixtures.ts; skipped without a Horizon URL.
    { name: 'horizon', testMatch: HORIZON_SPECS },
  ],
});
