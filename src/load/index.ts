import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { generateImage } from '../data/index.js';
import { ConfigError, ExitCode } from '../errors.js';
import type { LoadSection, Summary, TargetInfo } from '../report/summary.js';
import { type Reporter, RunEnvelope, type RunOutcome } from '../run/envelope.js';
import { ROOT } from '../run/run.js';
import { startRunService } from '../run/service.js';
import { SECRETS } from '../util/mask.js';
import { SCENARIO_METRICS, type ScenarioName } from './contract.js';
import type { K6Binary } from './k6.js';
import { availableMemory, formatBytes, memoryRefusal, planMemory } from './memory.js';
import {
  checksOf,
  keyMetrics,
  readK6Summary,
  thresholdsOf,
  throughputSeries,
  throughputSvg,
} from './results.js';
import { type Segment, segmentArgs } from './segment.js';

export const SCENARIOS_DIR = join(ROOT, 'scenarios');

/** k6 exit codes the harness tells apart (k6 docs, "exit codes"). */
export const K6_EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
} as const;

/** What one load run does; unset values take the scenario's defaults (see loadProfile). */
export interface LoadParams {
  sizeBytes?: number;
  vus?: number;
  iterations?: number;
  durationS?: number;
  rate?: number;
  minMbps?: number;
  smoke: boolean;
  segment?: Segment;
}

/** The resolved profile handed to the scenario. */
export interface LoadProfile {
  sizeBytes: number;
  vus: number;
  iterations?: number;
  durationS?: number;
  rate?: number;
  minMbps?: number;
}

const MiB = 2 ** 20;

/** Defaults per scenario; smoke runs are a few seconds with small images. */
export function loadProfile(scenario: ScenarioName, p: LoadParams): LoadProfile {
  const smoke = p.smoke;
  if (scenario === 'churn') {
    return {
      sizeBytes: 0,
      vus: p.vus ?? (smoke ? 2 : 10),
      durationS: p.durationS ?? (smoke ? 4 : 60),
      rate: p.rate ?? (smoke ? 4 : 20),
    };
  }
  const vus = p.vus ?? (scenario === 'download' ? 4 : 1);
  const durationS = p.durationS;
  return {
    sizeBytes: p.sizeBytes ?? (smoke ? MiB : 256 * MiB),
    vus,
    // Smoke runs last a few seconds rather than a few iterations: the web dashboard needs two snapshots.
    ...(durationS !== undefined
      ? { durationS }
      : p.iterations === undefined && smoke
        ? { durationS: 3 }
        : { iterations: p.iterations ?? vus * 3 }),
    ...(p.minMbps !== undefined ? { minMbps: p.minMbps } : {}),
  };
}

/** `1GiB`, `64MiB`, `256KiB` or bytes: the `size` tag of the metrics. */
export function sizeLabel(bytes: number): string {
  if (bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}GiB`;
  if (bytes % MiB === 0) return `${bytes / MiB}MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return `${bytes}B`;
}

/** VUs this machine runs: its share of the profile's VUs when the load is split. */
export function localVus(vus: number, segment?: Segment): number {
  return segment ? Math.ceil(vus / segment.count) : vus;
}

/** Refuses (exit 2) before anything starts when k6 would not fit in memory. */
export function guardMemory(
  scenario: ScenarioName,
  profile: LoadProfile,
  segment?: Segment,
  available = availableMemory(),
) {
  const input = {
    scenario,
    vus: localVus(profile.vus, segment),
    imageBytes: profile.sizeBytes,
    availableBytes: available,
  };
  const plan = planMemory(input);
  if (!plan.fits) throw new ConfigError(memoryRefusal(input, plan));
  return plan;
}

export interface LoadRunOptions {
  scenario: ScenarioName;
  config: ResolvedConfig;
  targetKind: TargetInfo['kind'];
  k6: K6Binary;
  params: LoadParams;
  log: (line: string) => void;
  reporters: readonly Reporter[];
  color: boolean;
  runId?: string;
}

export type LoadOutcome = RunOutcome;

/** k6 arguments for a run (no secrets: the token key travels in the environment). */
export function k6Args(opts: {
  scenario: ScenarioName;
  k6Dir: string;
  endpoint: string;
  runId: string;
  prefix: string;
  profile: LoadProfile;
  smoke: boolean;
  segment?: Segment;
  image?: { path: string; size: number; md5: string; sha512: string };
}): string[] {
  const p = opts.profile;
  const env: Record<string, string | number | undefined> = {
    GH_GLANCE_URL: opts.endpoint,
    GH_RUN_ID: opts.runId,
    GH_PREFIX: opts.prefix,
    GH_SMOKE: opts.smoke ? '1' : '0',
    GH_SUMMARY_FILE: join(opts.k6Dir, 'summary.json'),
    GH_VUS: p.vus,
    GH_ITERATIONS: p.iterations,
    GH_DURATION_S: p.durationS,
    GH_RATE: p.rate,
    GH_MIN_MBPS: p.minMbps,
    ...(opts.image
      ? {
          GH_IMAGE_FILE: opts.image.path,
          GH_SIZE: opts.image.size,
          GH_SIZE_LABEL: sizeLabel(opts.image.size),
          GH_IMAGE_MD5: opts.image.md5,
          GH_IMAGE_SHA512: opts.image.sha512,
        }
      : {}),
  };
  const args = [
    'run',
    '--quiet',
    '--no-color',
    '--summary-trend-stats',
    'avg,min,med,max,p(90),p(95),p(99)',
    '--out',
    `json=${join(opts.k6Dir, 'points.ndjson.gz')}`,
  ];
  if (opts.smoke) args.push('--no-thresholds');
  if (opts.segment) args.push(...segmentArgs(opts.segment));
  for (const [k, v] of Object.entries(env)) if (v !== undefined) args.push('-e', `${k}=${v}`);
  args.push(join(SCENARIOS_DIR, `${opts.scenario}.js`));
  return args;
}

/** k6's exit code → the harness's, with the outcome it stands for. */
export function mapK6Exit(
  k6Code: number | null,
  interrupted: boolean,
  checksFailed: boolean,
  summaryReadable: boolean,
): { exitCode: number; outcome: Summary['outcome'] } {
  if (interrupted) return { exitCode: ExitCode.Interrupted, outcome: 'interrupted' };
  if (k6Code === K6_EXIT.thresholdsFailed) return { exitCode: ExitCode.CheckFailed, outcome: 'failed' };
  if (k6Code !== K6_EXIT.ok || !summaryReadable)
    return { exitCode: ExitCode.CheckFailed, outcome: 'runner-error' };
  return checksFailed
    ? { exitCode: ExitCode.CheckFailed, outcome: 'failed' }
    : { exitCode: ExitCode.Ok, outcome: 'ok' };
}

/** The last error k6 logged (a setup() fail(), a script exception), for a one-line message. */
export function lastK6Error(log: string): string | undefined {
  const lines = log.split('\n').filter((l) => /level=error/.test(l));
  const last = lines.at(-1);
  if (!last) return undefined;
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(last)?.[1];
  return (msg ?? last)
    .replace(/\\[nt]/g, ' ')
    .replace(/\\"/g, '"')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);
}

/** Peak resident set size of a running process (Linux /proc), in bytes. */
export function peakRssOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One load run: memory guard, connect and probe, generate the image once, serve the token, run k6,
 * delete what the run created (also after SIGINT), then write summary.json, JUnit and Allure.
 */
export async function runLoad(opts: LoadRunOptions): Promise<LoadOutcome> {
  const { scenario, params } = opts;
  const profile = loadProfile(scenario, params);
  const plan = guardMemory(scenario, profile, params.segment);
  const env = new RunEnvelope({
    config: opts.config,
    targetKind: opts.targetKind,
    selection: { suites: [`load:${scenario}`], readOnly: false },
    log: opts.log,
    reporters: opts.reporters,
    color: opts.color,
    ...(opts.runId ? { runId: opts.runId } : {}),
  });
  const runId = env.runId;
  const prefix = opts.config.harness.prefix.value;
  const k6Dir = join(env.runDir, 'k6');
  mkdirSync(k6Dir, { recursive: true });
  const options: Record<string, string | number> = {
    vus: profile.vus,
    ...(profile.sizeBytes ? { sizeBytes: profile.sizeBytes } : {}),
    ...(profile.iterations !== undefined ? { iterations: profile.iterations } : {}),
    ...(profile.durationS !== undefined ? { durationS: profile.durationS } : {}),
    ...(profile.rate !== undefined ? { rate: profile.rate } : {}),
    ...(profile.minMbps !== undefined ? { minMbps: profile.minMbps } : {}),
  };
  const segment = params.segment
    ? { ...params.segment, executionSegment: segmentArgs(params.segment)[1]! }
    : undefined;
  const load: LoadSection = {
    scenario,
    smoke: params.smoke,
    k6: { version: opts.k6.version, path: opts.k6.path, exitCode: null },
    options,
    ...(segment ? { segment } : {}),
    memory: {
      availableBytes: plan.availableBytes,
      requiredBytes: plan.requiredBytes,
      maxSafeVus: plan.maxSafeVus,
    },
    thresholds: [],
    metrics: {},
    files: {},
  };
  try {
    const early = await env.connect({ load, reports: { k6: k6Dir } });
    if (early) return early;
    return await drive(opts, env, { profile, options, segment, load, k6Dir, prefix, runId });
  } finally {
    await env.close();
  }
}

interface Plan {
  profile: LoadProfile;
  options: Record<string, string | number>;
  segment: LoadSection['segment'];
  load: LoadSection;
  k6Dir: string;
  prefix: string;
  runId: string;
}

/** Generates the image, serves the token, runs k6 in its process group, sweeps, and reads k6's results. */
async function drive(opts: LoadRunOptions, env: RunEnvelope, p: Plan): Promise<LoadOutcome> {
  const { scenario, params } = opts;
  const { profile, options, segment, load, k6Dir, prefix, runId } = p;
  const target = env.target;
  const dataDir = join(tmpdir(), `glance-harness-load-${runId}`);
  let k6Code: number | null = null;
  let k6Log = '';
  const service = await startRunService({ tokens: { primary: target.tokens } });
  let k6Started = false;
  try {
    let image: { path: string; size: number; md5: string; sha512: string } | undefined;
    if (scenario !== 'churn') {
      const t0 = Date.now();
      const gen = await generateImage(dataDir, { format: 'raw', size: profile.sizeBytes, seed: runId });
      image = { path: gen.path, size: gen.size, md5: gen.md5, sha512: gen.sha512 };
      opts.log(
        `Generated a ${formatBytes(gen.size)} raw image in ${((Date.now() - t0) / 1000).toFixed(1)} s (md5 ${gen.md5})`,
      );
    }
    if (!env.wasInterrupted) {
      const args = k6Args({
        scenario,
        k6Dir,
        endpoint: target.endpoint,
        runId,
        prefix,
        profile,
        smoke: params.smoke,
        ...(params.segment ? { segment: params.segment } : {}),
        ...(image ? { image } : {}),
      });
      opts.log(
        `k6 ${opts.k6.version}: ${scenario}${params.smoke ? ' (smoke: thresholds off)' : ''}, ` +
          `${Object.entries(options)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}` +
          `${segment ? `, segment ${segment.index}/${segment.count} (${segment.executionSegment})` : ''}`,
      );
      const logFile = createWriteStream(join(k6Dir, 'k6.log'));
      k6Started = true;
      // VmHWM is the kernel's own peak RSS of the process: sampled while k6 runs, the last value stands.
      let pid: number | undefined;
      const rssTimer = setInterval(() => {
        const hwm = peakRssOf(pid);
        if (hwm !== undefined) load.k6.peakRssBytes = hwm;
      }, 250);
      k6Code = await env.runChild(opts.k6.path, args, {
        cwd: k6Dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          GH_TOKEN_URL: service.tokenUrl,
          GH_TOKEN_KEY: service.key,
          K6_WEB_DASHBOARD: 'true',
          K6_WEB_DASHBOARD_PORT: '-1',
          K6_WEB_DASHBOARD_PERIOD: '1s',
          K6_WEB_DASHBOARD_EXPORT: join(k6Dir, 'dashboard.html'),
          K6_NO_USAGE_REPORT: 'true',
        },
        onSpawn: (child) => {
          pid = child.pid;
          // k6 may print what a server echoed (the token it was given): scrubbed like every output.
          const onData = (d: Buffer): void => {
            const text = SECRETS.scrub(d.toString());
            k6Log = (k6Log + text).slice(-64 * 1024);
            logFile.write(text);
            process.stderr.write(text);
          };
          child.stdout?.on('data', onData);
          child.stderr?.on('data', onData);
        },
      });
      clearInterval(rssTimer);
      await new Promise<void>((resolve) => logFile.end(resolve));
    }
  } finally {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cleanup = await env.sweep();
  const interrupted = env.wasInterrupted || k6Code === K6_EXIT.externalAbort;

  load.k6.exitCode = k6Code;
  const summaryPath = join(k6Dir, 'summary.json');
  const k6Summary = k6Started ? readK6Summary(summaryPath) : 'k6 did not run';
  const readable = typeof k6Summary !== 'string';
  const checks = readable ? checksOf(scenario, k6Summary, params.smoke) : [];
  if (readable) {
    load.thresholds = thresholdsOf(k6Summary);
    load.metrics = keyMetrics(k6Summary);
    load.files.summary = summaryPath;
  }
  const metricInfo = SCENARIO_METRICS[scenario];
  const pointsPath = join(k6Dir, 'points.ndjson.gz');
  const chartPath = join(k6Dir, 'throughput.svg');
  const series = await throughputSeries(pointsPath, scenario).catch(() => []);
  writeFileSync(
    chartPath,
    throughputSvg(series, `${scenario}: ${metricInfo.unit} (run ${runId})`, metricInfo.unit),
  );
  load.files.chart = chartPath;
  if (existsSync(pointsPath)) load.files.points = pointsPath;
  const dashboard = join(k6Dir, 'dashboard.html');
  if (existsSync(dashboard)) load.files.dashboard = dashboard;
  else if (k6Started) opts.log('k6 wrote no web-dashboard export (it skips runs too short to chart)');
  // The run's charts and k6's own files travel with the first check into Allure.
  const first = checks[0];
  if (first) {
    first.attachments = [
      { name: 'throughput chart', contentType: 'image/svg+xml', path: chartPath },
      ...(readable ? [{ name: 'k6 summary', contentType: 'application/json', path: summaryPath }] : []),
      ...(load.files.dashboard
        ? [{ name: 'k6 web dashboard', contentType: 'text/html', path: dashboard }]
        : []),
    ];
  }

  const mapped = mapK6Exit(
    k6Code,
    interrupted,
    checks.some((c) => c.status === 'failed'),
    readable,
  );
  const k6Error = lastK6Error(k6Log);
  let message: string | undefined;
  if (mapped.outcome === 'interrupted') message = 'interrupted by a signal';
  else if (mapped.outcome === 'runner-error')
    message = `k6 exited ${k6Code ?? 'without a code'}${k6Error ? `: ${k6Error}` : ''}${readable ? '' : ` (${k6Summary})`}`;
  else if (mapped.outcome === 'failed')
    message = checks
      .filter((c) => c.status === 'failed')
      .map((c) => c.error ?? c.title)
      .join('; ');
  return env.finish({
    exitCode: mapped.exitCode,
    outcome: mapped.outcome,
    ...(message ? { message } : {}),
    checks,
    reports: { k6: k6Dir },
    cleanup,
    load,
  });
}
