import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigFlags, ResolvedConfig } from '../config/index.js';
import { describeError, ExitCode, HarnessError } from '../errors.js';
import {
  type CheckResult,
  checksFromPlaywright,
  readPlaywrightJson,
  type Summary,
  type TargetInfo,
  totals,
  writeSummary,
} from '../report/summary.js';
import { connect, probe, type Target } from '../target.js';
import { cleanupImages } from './cleanup.js';
import { newRunId } from './naming.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SUITES_DIR = join(ROOT, 'suites');
export const TOOL_VERSION = '0.1.0';

/** Suites shipped, by folder under suites/. */
export const KNOWN_SUITES = ['discovery', 'horizon'] as const;

export interface RunOptions {
  flags: ConfigFlags;
  config: ResolvedConfig;
  suites: string[];
  grep?: string;
  readOnly: boolean;
  workers?: number;
  /** Where human progress goes (stderr keeps stdout for --json). */
  log: (line: string) => void;
  /** The target when the caller started one (the embedded reference). */
  targetKind: TargetInfo['kind'];
  /** Flags the workers use to reach the target (the caller's, or the reference's). */
  workerFlags: ConfigFlags;
  runId?: string;
  /** Keep stdout for one JSON document: the per-check lines go to stderr. */
  jsonOutput?: boolean;
}

export interface RunOutcome {
  exitCode: number;
  summary: Summary;
  summaryPath: string;
}

function targetInfo(cfg: ResolvedConfig, kind: TargetInfo['kind'], target?: Target): TargetInfo {
  return {
    kind,
    ...(target ? { endpoint: target.endpoint, endpointSource: target.endpointSource } : {}),
    authType: cfg.authType.value,
    ...(cfg.auth.authUrl ? { authUrl: cfg.auth.authUrl.value } : {}),
    ...(cfg.regionName ? { region: cfg.regionName.value } : {}),
    interface: cfg.interface.value,
  };
}

/** Resolves the Playwright CLI entry of the installed @playwright/test. */
function playwrightCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@playwright/test/package.json')), 'cli.js');
}

/**
 * One run: connect and probe (exit 3 when nothing answers), run the suites under Playwright,
 * sweep images the run left, write summary.json, JUnit and Allure results.
 */
export async function runSuites(opts: RunOptions): Promise<RunOutcome> {
  const runId = opts.runId ?? newRunId();
  const reportsDir = opts.config.harness.reportsDir.value;
  const runDir = join(reportsDir, runId);
  mkdirSync(runDir, { recursive: true });
  const startedAt = new Date();
  const base = {
    schemaVersion: 1,
    tool: { name: 'glance-harness' as const, version: TOOL_VERSION },
    runId,
    startedAt: startedAt.toISOString(),
    selection: { suites: opts.suites, ...(opts.grep ? { grep: opts.grep } : {}), readOnly: opts.readOnly },
    reports: { dir: runDir },
  };
  const finish = (
    fields: Omit<Summary, keyof typeof base | 'finishedAt' | 'durationMs' | 'totals'>,
    reports: Summary['reports'] = base.reports,
  ): RunOutcome => {
    const finishedAt = new Date();
    const summary: Summary = {
      ...base,
      ...fields,
      reports,
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      totals: totals(fields.checks),
    };
    return { exitCode: summary.exitCode, summary, summaryPath: writeSummary(reportsDir, runDir, summary) };
  };

  let target: Target;
  let info = targetInfo(opts.config, opts.targetKind);
  try {
    target = await connect(opts.config);
    info = targetInfo(opts.config, opts.targetKind, target);
    const p = await probe(target);
    info.glanceVersion = p.current ?? 'unknown';
    info.versions = p.versions?.versions.map((v) => v.id) ?? [];
    opts.log(
      `Target ${target.endpoint} (${info.endpointSource}, auth ${info.authType}) answered GET / with ${p.status}` +
        `${p.current ? `, API ${p.current}` : ''} in ${p.elapsedMs} ms`,
    );
  } catch (err) {
    const code = err instanceof HarnessError ? err.exitCode : ExitCode.Unreachable;
    return finish({
      exitCode: code,
      outcome: code === ExitCode.Usage ? 'config-error' : 'unreachable',
      message: describeError(err),
      target: info,
      checks: [],
    });
  }

  let interrupted = false;
  const pwArgs = [
    playwrightCli(),
    'test',
    '--config',
    join(SUITES_DIR, 'playwright.config.ts'),
    // Absolute, so a suite name never matches a folder above suites/ (a checkout named after a suite).
    ...opts.suites.map((s) => `${join(SUITES_DIR, s)}/`),
  ];
  if (opts.grep) pwArgs.push('--grep', opts.grep);
  if (opts.readOnly) pwArgs.push('--grep', '@read-only');
  const child = spawn(process.execPath, pwArgs, {
    cwd: SUITES_DIR,
    stdio: ['ignore', opts.jsonOutput ? 2 : 'inherit', 'inherit'],
    env: {
      ...process.env,
      GH_RUN_ID: runId,
      GH_RUN_DIR: runDir,
      GH_FLAGS: JSON.stringify(opts.workerFlags),
      GH_PREFIX: opts.config.harness.prefix.value,
      GH_READ_ONLY: opts.readOnly ? '1' : '0',
      GH_TARGET_ENDPOINT: target.endpoint,
      GH_TARGET_VERSION: info.glanceVersion ?? 'unknown',
      ...(opts.workers ? { GH_WORKERS: String(opts.workers) } : {}),
      FORCE_COLOR: process.stdout.isTTY ? '1' : '0',
    },
  });
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted = true;
    opts.log(`${sig} received: stopping the checks, then removing the images this run created`);
    child.kill(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code: number = await new Promise((res) => child.on('close', (c) => res(c ?? 1)));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  let cleanup: Summary['cleanup'];
  try {
    const swept = await cleanupImages(target.glance, { prefix: opts.config.harness.prefix.value, runId });
    cleanup = { deleted: swept.deleted, failed: swept.failed };
    if (swept.found.length > 0) opts.log(`Cleanup: removed ${swept.deleted} image(s) the run left behind`);
  } catch (err) {
    cleanup = { deleted: 0, failed: [describeError(err)] };
  }
  await target.close();

  const pwJsonPath = join(runDir, 'playwright.json');
  const report = readPlaywrightJson(pwJsonPath);
  const checks: CheckResult[] = report ? checksFromPlaywright(report) : [];
  const t = totals(checks);
  const reports = {
    dir: runDir,
    junit: join(runDir, 'junit.xml'),
    allureResults: join(runDir, 'allure-results'),
    playwrightJson: pwJsonPath,
    evidence: join(runDir, 'evidence'),
  };
  if (interrupted) {
    return finish(
      {
        exitCode: ExitCode.Interrupted,
        outcome: 'interrupted',
        message: 'interrupted by a signal',
        target: info,
        checks,
        cleanup,
      },
      reports,
    );
  }
  const runnerErrors = (report?.errors ?? []).map((e) => e.message ?? '').filter(Boolean);
  if (!report || t.total === 0 || (code !== 0 && t.failed === 0) || runnerErrors.length > 0) {
    const message = !report
      ? `the test runner wrote no report (exit ${code})`
      : t.total === 0
        ? `no check matched the selection (suites: ${opts.suites.join(', ')}${opts.grep ? `, grep ${opts.grep}` : ''})`
        : `the test runner failed: ${runnerErrors[0]?.split('\n')[0] ?? `exit ${code}`}`;
    return finish(
      {
        exitCode: t.total === 0 ? ExitCode.Usage : ExitCode.CheckFailed,
        outcome: t.total === 0 ? 'config-error' : 'runner-error',
        message,
        target: info,
        checks,
        cleanup,
      },
      reports,
    );
  }
  const failed = t.failed > 0;
  return finish(
    {
      exitCode: failed ? ExitCode.CheckFailed : ExitCode.Ok,
      outcome: failed ? 'failed' : 'ok',
      target: info,
      checks,
      cleanup,
    },
    reports,
  );
}
