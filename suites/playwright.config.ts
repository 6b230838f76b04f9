import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { runContext } from './context.js';

// Anchored on this directory: a glob like horizon/** would also match a checkout under a folder named horizon.
const HORIZON_SPECS = new RegExp(
  `^${join(import.meta.dirname, 'horizon').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/.*\\.spec\\.ts$`,
);

// `glance-harness run` writes the run context and starts Playwright with this file; every report is
// built by the CLI from what the results reporter records.
const ctx = runContext();

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: join(ctx.runDir, 'test-output'),
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  workers: ctx.workers,
  timeout: ctx.testTimeoutMs,
  reporter: [[join(import.meta.dirname, 'reporters', 'results-reporter.ts')]],
  projects: [
    { name: 'api', testIgnore: HORIZON_SPECS },
    // Debian's chromium, launched by suites/horizon/fixtures.ts; skipped without a Horizon URL.
    { name: 'horizon', testMatch: HORIZON_SPECS },
  ],
});
