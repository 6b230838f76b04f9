import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigFlags, ResolvedConfig } from '../config/index.js';
import { causeText, diagnoseExchanges, ruleById } from '../diagnosis/index.js';
import { describeError, ExitCode, HarnessError } from '../errors.js';
import { EvidenceRecorder } from '../http/evidence.js';
import { applyCausesToAllure } from '../report/causes.js';
import { progressModeFor } from '../report/progress.js';
import {
  type CheckResult,
  checksFromPlaywright,
  readFindings,
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

/** How long the checks get to stop after SIGINT/SIGTERM before they are killed. */
const STOP_GRACE_MS = 10_000;

/** Suites shipped, by folder under suites/. */
export const KNOWN_SUITES = [
  'discovery',
  'images',
  'update',
  'negative',
  'lifecycle',
  'schemas',
  'data',
  'sharing',
  'import',
  'endpoints',
  'db',
  'health',
  'horizon',
] as const;

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
  /** --large: bytes of the big image the data suite streams (GH_LARGE). */
  large?: number;
  /** Extra variables for the workers (e.g. OS_ALT_* of the reference's second user). */
  workerEnv?: Record<string, string>;
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
    const findings = readFindings(runDir);
    if (findings.length > 0) summary.findings = findings;
    for (const f of findings)
      opts.log(`Finding ${f.kind}${f.schema ? ` (${f.schema})` : ''}: ${JSON.stringify(f)}`);
    return { exitCode: summary.exitCode, summary, summaryPath: writeSummary(reportsDir, runDir, summary) };
  };

  let target: Target;
  let info = targetInfo(opts.config, opts.targetKind);
  const recorder = new EvidenceRecorder();
  try {
    target = await connect(opts.config, recorder);
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
    const found = diagnoseExchanges(recorder.recent(), {
      ...(opts.config.auth.authUrl ? { keystoneUrl: opts.config.auth.authUrl.value } : {}),
    });
    const rule = found ? ruleById(found.id) : undefined;
    return finish({
      exitCode: code,
      outcome: code === ExitCode.Usage ? 'config-error' : 'unreachable',
      message: found ? `${describeError(err)} ${causeText(found)}` : describeError(err),
      target: info,
      checks: [],
      ...(rule ? { cause: { id: rule.id, title: rule.title, fix: rule.fix } } : {}),
    });
  }

  let interrupted = false;
  const pwArgs = [
    playwrightCli(),
    'test',
    '--config',
    join(SUITES_DIR, 'playwright.config.ts'),
    // Playwright filters are regexes over absolute paths: anchor them at suites/ (a checkout in /x/db/ must not match db/).
    ...opts.suites.map((s) => `${join(SUITES_DIR, s)}/`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
  ];
  if (opts.grep) pwArgs.push('--grep', opts.grep);
  if (opts.readOnly) pwArgs.push('--grep', '@read-only');
  // Its own process group, so a stuck run can be stopped whole (runner and workers) after a signal.
  const child = spawn(process.execPath, pwArgs, {
    detached: true,
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
      ...(opts.large ? { GH_LARGE: String(opts.large) } : {}),
      ...opts.workerEnv,
      FORCE_COLOR: process.stdout.isTTY ? '1' : '0',
      GH_PROGRESS: progressModeFor(process.stderr.isTTY, false),
    },
  });
  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  let forceTimer: NodeJS.Timeout | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) {
      opts.log(`${sig} again: stopping the checks now`);
      killGroup('SIGKILL');
      return;
    }
    interrupted = true;
    opts.log(
      `${sig} received: stopping the checks, then removing the images this run created ` +
        `(they get ${STOP_GRACE_MS / 1000} s to stop; a second signal stops them at once)`,
    );
    killGroup(sig);
    forceTimer = setTimeout(() => {
      opts.log(`the checks did not stop within ${STOP_GRACE_MS / 1000} s: stopping them`);
      killGroup('SIGKILL');
    }, STOP_GRACE_MS);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code: number = await new Promise((res) => child.on('close', (c) => res(c ?? 1)));
  if (forceTimer) clearTimeout(forceTimer);
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
  applyCausesToAllure(join(runDir, 'allure-results'), checks);
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
