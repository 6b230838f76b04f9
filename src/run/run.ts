import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/index.js';
import { DB_ACCESS_HINT, resolveDbTarget } from '../db/index.js';
import { describeError, ExitCode } from '../errors.js';
import { horizonSettings } from '../horizon/index.js';
import { loadLiveSchemas } from '../live-schemas.js';
import { progressModeFor } from '../report/progress.js';
import type { CheckResult } from '../report/results.js';
import type { TargetInfo } from '../report/summary.js';
import { connect, type Target } from '../target.js';
import type { PinnedFamily } from '../validate.js';
import { schemas } from '../validate.js';
import { LinkBlocks } from './blocks.js';
import {
  CONTEXT_ENV,
  type Optional,
  type PrincipalInfo,
  type RunContext,
  SERVICE_KEY_ENV,
  type Selection,
  writeRunContext,
} from './context.js';
import { type Reporter, RunEnvelope, type RunOutcome } from './envelope.js';
import { applyExpectations, type Expectations, strictFailure } from './expectations.js';
import { DEFAULT_LATENCY_BUDGET_MS, LATENCY_WAIT_FACTOR } from './latency.js';
import { readResults } from './results-file.js';
import { playwrightFilter } from './selection.js';
import { startRunService } from './service.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SUITES_DIR = join(ROOT, 'suites');
export type { RunOutcome } from './envelope.js';
export { TOOL_VERSION } from './version.js';

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
  'security',
  'features',
] as const;

export interface RunOptions {
  config: ResolvedConfig;
  selection: Selection;
  workers?: number;
  /** Human progress (stderr; stdout carries what the reporters ask for). */
  log: (line: string) => void;
  targetKind: TargetInfo['kind'];
  reporters: readonly Reporter[];
  color: boolean;
  runId?: string;
  /** --large: bytes of the big image the data suite streams. */
  large?: number;
  /** Each check's time limit. */
  testTimeoutMs?: number;
  latencyBudgetMs?: number;
  /** --expect-failures with at least one entry, and --strict. */
  expectations?: Expectations;
  /** --release: the family to take the target for. */
  release?: PinnedFamily;
}

/** Resolves the Playwright CLI entry of the installed @playwright/test. */
function playwrightCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@playwright/test/package.json')), 'cli.js');
}

function principalOf(name: string, target: Target): PrincipalInfo {
  const t = target.session?.peek();
  return {
    name,
    endpoint: target.endpoint,
    roles: t?.roles ?? [],
    ...(t?.projectId ? { projectId: t.projectId } : {}),
    ...(t?.projectName ? { projectName: t.projectName } : {}),
    ...(t?.userId ? { userId: t.userId } : {}),
    ...(t?.userName ? { userName: t.userName } : {}),
  };
}

/** The environment the runner gets: none of the harness's own settings or credentials. */
function runnerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(OS_|GLANCE_HARNESS_|GH_|HORIZON_URL$)/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Why every selected check was skipped, when that is all that happened: a configuration gap. */
function allSkippedMessage(checks: readonly CheckResult[]): string | undefined {
  if (checks.length === 0 || checks.some((c) => c.status !== 'skipped')) return undefined;
  const reasons = [...new Set(checks.map((c) => c.skipReason ?? 'no reason given'))];
  return `every selected check was skipped, so nothing was checked: ${reasons.slice(0, 3).join('; ')}`;
}

/**
 * One run: connect and probe (exit 3 when nothing answers or Keystone refuses), hand the workers one
 * frozen context and the run service, run the checks under Playwright, sweep the run's images, and
 * write every report from the check results.
 */
export async function runSuites(opts: RunOptions): Promise<RunOutcome> {
  const cfg = opts.config;
  const filter = playwrightFilter(opts.selection, SUITES_DIR);
  // Bad database settings are a usage error before anything starts; no DB at all is a skip reason.
  const dbTarget = opts.selection.suites.includes('db') ? resolveDbTarget(cfg) : undefined;
  const env = new RunEnvelope({
    config: cfg,
    targetKind: opts.targetKind,
    selection: opts.selection,
    log: opts.log,
    reporters: opts.reporters,
    color: opts.color,
    ...(opts.runId ? { runId: opts.runId } : {}),
    metadataHeadersMs: (opts.latencyBudgetMs ?? DEFAULT_LATENCY_BUDGET_MS) * LATENCY_WAIT_FACTOR,
    ...(opts.release ? { release: opts.release } : {}),
  });
  let altTarget: Target | undefined;
  let readerTarget: Target | undefined;
  try {
    const early = await env.connect();
    if (early) return early;
    const target = env.target;
    let alt: Optional<PrincipalInfo> = {
      skipReason:
        'no second user configured: set OS_ALT_USERNAME, OS_ALT_PASSWORD and OS_ALT_PROJECT_NAME (or --os-alt-cloud NAME) for a user in another project',
    };
    if (cfg.alt) {
      try {
        altTarget = await connect(cfg.alt, env.recorder);
        alt = { ok: principalOf('alt', altTarget) };
      } catch (err) {
        alt = {
          error: `the second user (OS_ALT_* or --os-alt-cloud) could not log in: ${describeError(err)}`,
        };
      }
    }
    let reader: Optional<PrincipalInfo> = {
      skipReason:
        'no reader user configured: set OS_READER_USERNAME, OS_READER_PASSWORD and OS_READER_PROJECT_NAME (or --os-reader-cloud NAME) for a user with only the reader role',
    };
    if (cfg.reader) {
      try {
        readerTarget = await connect(cfg.reader, env.recorder);
        reader = { ok: principalOf('reader', readerTarget) };
      } catch (err) {
        reader = {
          error: `the reader user (OS_READER_* or --os-reader-cloud) could not log in: ${describeError(err)}`,
        };
      }
    }
    const horizon = horizonSettings(cfg);
    const family = (env.info.releaseFamily ?? 'zed') as PinnedFamily;
    const live = await loadLiveSchemas(
      target.glance,
      schemas({ hashAlgo: cfg.harness.hashAlgo.value }),
      family,
    );
    const latencyBudgetMs = opts.latencyBudgetMs ?? DEFAULT_LATENCY_BUDGET_MS;
    const blocks = new LinkBlocks(
      target.glance,
      () => ({ ...(cfg.auth.authUrl ? { keystoneUrl: cfg.auth.authUrl.value } : {}), tokenIssued: true }),
      opts.log,
      latencyBudgetMs,
    );
    const service = await startRunService({
      tokens: {
        primary: target.tokens,
        ...(altTarget ? { alt: altTarget.tokens } : {}),
        ...(readerTarget ? { reader: readerTarget.tokens } : {}),
      },
      secrets: {
        ...(dbTarget ? { db: () => dbTarget } : {}),
        ...(horizon.password ? { horizon: () => horizon.password } : {}),
      },
      blocks: () => blocks.list(),
      onBlockReport: (r) => blocks.report(r),
    });
    const ctx: RunContext = {
      runId: env.runId,
      runDir: env.runDir,
      prefix: cfg.harness.prefix.value,
      selection: opts.selection,
      target: {
        ...env.info,
        endpoint: target.endpoint,
        ...(target.catalogEndpoints ? { catalogEndpoints: target.catalogEndpoints } : {}),
      },
      hashAlgo: cfg.harness.hashAlgo.value,
      http: {
        timeoutMs: cfg.harness.timeoutMs.value,
        tls: {
          ...(cfg.tls.cacert ? { cacert: cfg.tls.cacert.value } : {}),
          ...(cfg.tls.cert ? { cert: cfg.tls.cert.value } : {}),
          ...(cfg.tls.key ? { key: cfg.tls.key.value } : {}),
          insecure: cfg.tls.insecure.value,
        },
      },
      latencyBudgetMs,
      primary: principalOf('primary', target),
      alt,
      reader,
      db: dbTarget
        ? { ok: { display: dbTarget.spec.display, from: dbTarget.from } }
        : { skipReason: `no database access configured: ${DB_ACCESS_HINT}` },
      horizon: horizon.skipReason
        ? { skipReason: horizon.skipReason }
        : {
            ok: {
              url: horizon.url ?? '',
              chromium: horizon.chromium,
              domain: horizon.domain,
              username: horizon.username ?? '',
            },
          },
      largeBytes: opts.large ?? 0,
      progress: progressModeFor(process.stderr.isTTY, false),
      color: opts.color,
      workers: opts.workers ?? 2,
      testTimeoutMs: opts.testTimeoutMs ?? 120_000,
      serviceUrl: service.url,
      // Only what compiled here: the workers register these as they are.
      liveSchemas: {
        family,
        bodies: Object.fromEntries(live.loaded.map((n) => [n, live.bodies?.[n] ?? {}])),
        findings: live.findings,
      },
    };
    const contextFile = writeRunContext(ctx);
    let code: number | null;
    try {
      code = await env.runChild(
        process.execPath,
        [playwrightCli(), 'test', '--config', join(SUITES_DIR, 'playwright.config.ts'), ...filter],
        {
          cwd: SUITES_DIR,
          stdio: ['ignore', 2, 'inherit'],
          env: runnerEnv({
            [CONTEXT_ENV]: contextFile,
            [SERVICE_KEY_ENV]: service.key,
            FORCE_COLOR: opts.color ? '1' : '0',
          }),
        },
      );
    } finally {
      await service.close();
    }
    const cleanup = await env.sweep(blocks.list().find((b) => b.link !== 'store'));
    const { checks, runnerErrors } = readResults(env.runDir);
    // What the checks did decides whether the runner itself broke; the expectations, only the verdict.
    const raw = checks ?? [];
    const applied = opts.expectations ? applyExpectations(raw, opts.expectations, ctx.target) : undefined;
    const all = applied?.checks ?? raw;
    const extra = {
      ...(live.findings.length > 0 ? { findings: live.findings } : {}),
      ...(applied ? { expectations: applied.section } : {}),
    };
    if (env.wasInterrupted) {
      return env.finish({
        exitCode: ExitCode.Interrupted,
        outcome: 'interrupted',
        message: 'interrupted by a signal',
        checks: all,
        cleanup,
        ...extra,
      });
    }
    const rawFailed = raw.some((c) => c.status === 'failed' || c.status === 'blocked');
    if (!checks || all.length === 0 || runnerErrors.length > 0 || (code !== 0 && !rawFailed)) {
      const message = !checks
        ? `the test runner wrote no results (exit ${code})`
        : all.length === 0
          ? `no check matched the selection (suites: ${opts.selection.suites.join(', ')}${opts.selection.grep ? `, grep ${opts.selection.grep}` : ''}${opts.selection.readOnly ? ', read-only' : ''})`
          : `the test runner failed: ${runnerErrors[0]?.split('\n')[0] ?? `exit ${code}`}`;
      return env.finish({
        exitCode: all.length === 0 && checks ? ExitCode.Usage : ExitCode.CheckFailed,
        outcome: all.length === 0 && checks ? 'config-error' : 'runner-error',
        message,
        checks: all,
        cleanup,
        ...extra,
      });
    }
    const skippedOnly = allSkippedMessage(all);
    if (skippedOnly) {
      return env.finish({
        exitCode: ExitCode.Usage,
        outcome: 'config-error',
        message: skippedOnly,
        checks: all,
        cleanup,
        ...extra,
      });
    }
    const failed = all.some((c) => c.status === 'failed' || c.status === 'blocked');
    const strict = opts.expectations ? strictFailure(all, opts.expectations) : undefined;
    const verdictFailed = failed || strict !== undefined;
    return env.finish({
      exitCode: verdictFailed ? ExitCode.CheckFailed : ExitCode.Ok,
      outcome: verdictFailed ? 'failed' : 'ok',
      ...(strict ? { message: strict } : {}),
      checks: all,
      cleanup,
      ...extra,
    });
  } finally {
    await altTarget?.close();
    await readerTarget?.close();
    await env.close();
  }
}
