// One load run on the run envelope: memory guard, connect and probe, the generated image, the run
// service for tokens, the engine (the harness's own or the operator's k6), the sweep, and one summary
// with a check per threshold, charts and every report.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { generateImage } from '../data/index.js';
import { ConfigError, ExitCode } from '../errors.js';
import type { LoadSection, Summary, TargetInfo } from '../report/summary.js';
import { type Reporter, RunEnvelope, type RunOutcome } from '../run/envelope.js';
import { runImageName } from '../run/naming.js';
import { type RunService, startRunService } from '../run/service.js';
import { TOOL_VERSION } from '../run/version.js';
import { k6ScriptOf } from './engine/catalog.js';
import { checkSplit, segmentSlice, vusOf } from './engine/executors.js';
import { threadsFor } from './engine/plan.js';
import type { Executor, ImageFile, Profile, ProfileInput, Scenario } from './engine/scenario.js';
import { validateThresholds } from './engine/thresholds.js';
import { runHarness } from './harness-engine.js';
import type { K6Binary } from './k6.js';
import { k6Args, runK6 } from './k6-engine.js';
import { availableMemory, type EngineName, formatBytes, memoryRefusal, planMemory } from './memory.js';
import {
  KEY_BUILTINS,
  keyMetrics,
  lineChartSvg,
  loadChecks,
  type Measured,
  throughputSvg,
} from './results.js';
import { type Segment, segmentArgs } from './segment.js';
import { sizeLabel } from './units.js';

/** What one load run does; unset values take the scenario's defaults. */
export interface LoadParams extends ProfileInput {
  segment?: Segment;
  /** Worker threads of the harness engine (default: from the scenario's VUs per thread). */
  threads?: number;
}

/** How this process's image names begin: a segment's carry its share, so it sweeps only its own. */
export function namesOf(prefix: string, runId: string, segment?: Segment): string {
  return `${runImageName(prefix, runId, '')}${segment ? `seg${segment.index}of${segment.count}-` : ''}`;
}

/** Refuses (exit 2) before anything starts when the engine would not fit in memory. */
export function guardMemory(
  scenario: Scenario,
  engine: EngineName,
  profile: Profile,
  executor: Executor,
  opts: { segment?: Segment | undefined; threads?: number | undefined; available?: number } = {},
) {
  const vus = vusOf(executor, segmentSlice(opts.segment));
  const input = {
    scenario: scenario.name,
    engine,
    model: scenario.memory,
    vus,
    threads: threadsFor(vus, scenario.memory.harness.vusPerThread, opts.threads),
    imageBytes: scenario.image ? profile.sizeBytes : 0,
    availableBytes: opts.available ?? availableMemory(),
  };
  const plan = planMemory(input);
  if (!plan.fits) throw new ConfigError(memoryRefusal(input, plan));
  return plan;
}

export interface LoadRunOptions {
  scenario: Scenario;
  /** The scenario's file (the worker threads bundle it). */
  scenarioPath: string;
  engine: EngineName;
  /** The operator's k6, with `engine: 'k6'`. */
  k6?: K6Binary;
  config: ResolvedConfig;
  targetKind: TargetInfo['kind'];
  params: LoadParams;
  log: (line: string) => void;
  reporters: readonly Reporter[];
  color: boolean;
  runId?: string;
}

/** The options summary.json records: the profile as resolved. */
function optionsOf(p: Profile): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(p).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && !(e[0] === 'sizeBytes' && e[1] === 0),
    ),
  );
}

/**
 * What is refused before anything starts (exit 2): a split that leaves a share nothing to run, a
 * threshold that names no metric or a statistic its type lacks, a load that would not fit in memory.
 */
export function preflight(scenario: Scenario, engine: EngineName, params: LoadParams) {
  const profile = scenario.profile(params);
  const executor = scenario.executor(profile);
  checkSplit(executor, params.segment);
  validateThresholds(scenario.metrics, scenario.thresholds(profile));
  const plan = guardMemory(scenario, engine, profile, executor, {
    segment: params.segment,
    threads: params.threads,
  });
  return { profile, executor, plan };
}

export async function runLoad(opts: LoadRunOptions): Promise<RunOutcome> {
  const { scenario, params } = opts;
  const { profile, executor, plan } = preflight(scenario, opts.engine, params);
  const env = new RunEnvelope({
    config: opts.config,
    targetKind: opts.targetKind,
    selection: { suites: [`load:${scenario.name}`], readOnly: false },
    log: opts.log,
    reporters: opts.reporters,
    color: opts.color,
    ...(opts.runId ? { runId: opts.runId } : {}),
  });
  const loadDir = join(env.runDir, 'load');
  mkdirSync(loadDir, { recursive: true });
  const load: LoadSection = {
    scenario: scenario.name,
    smoke: params.smoke,
    engine: {
      name: opts.engine,
      version: opts.engine === 'k6' ? (opts.k6?.version ?? 'unknown') : TOOL_VERSION,
    },
    ...(opts.k6 ? { k6: { version: opts.k6.version, path: opts.k6.path, exitCode: null } } : {}),
    options: optionsOf(profile),
    executor: executor.type,
    ...(params.segment
      ? { segment: { ...params.segment, executionSegment: segmentArgs(params.segment)[1]! } }
      : {}),
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
    const early = await env.connect({ load, reports: { load: loadDir } });
    if (early) return early;
    return await drive(opts, env, { profile, executor, load, loadDir });
  } finally {
    await env.close();
  }
}

interface Plan {
  profile: Profile;
  executor: Executor;
  load: LoadSection;
  loadDir: string;
}

/** The image for the run: generated once, deterministic from the run id (segments get the same bytes). */
async function imageFor(opts: LoadRunOptions, dir: string, runId: string, size: number): Promise<ImageFile> {
  const t0 = Date.now();
  const gen = await generateImage(dir, { format: 'raw', size, seed: runId });
  opts.log(
    `Generated a ${formatBytes(gen.size)} raw image in ${((Date.now() - t0) / 1000).toFixed(1)} s (md5 ${gen.md5})`,
  );
  return { path: gen.path, size: gen.size, sizeLabel: sizeLabel(gen.size), md5: gen.md5, sha512: gen.sha512 };
}

/** Generates the image, serves the token, runs the engine, sweeps, and judges the run. */
async function drive(opts: LoadRunOptions, env: RunEnvelope, p: Plan): Promise<RunOutcome> {
  const { scenario, params } = opts;
  const runId = env.runId;
  // Per process: segments of one run on one machine share the run id, and each removes its own copy.
  const dataDir = join(tmpdir(), `glance-harness-load-${runId}-${process.pid}`);
  const service = await startRunService({ tokens: { primary: env.target.tokens } });
  const stop = new AbortController();
  env.onStop(() => stop.abort());
  let measured: Measured | undefined;
  try {
    const image = scenario.image ? await imageFor(opts, dataDir, runId, p.profile.sizeBytes) : undefined;
    if (!env.wasInterrupted) {
      opts.log(
        `${opts.engine === 'k6' ? `k6 ${opts.k6?.version}` : 'harness engine'}: ${scenario.name}` +
          `${params.smoke ? ' (smoke: thresholds off)' : ''}, ${p.executor.type}, ` +
          `${Object.entries(p.load.options)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}` +
          `${p.load.segment ? `, segment ${p.load.segment.index}/${p.load.segment.count}` : ''}`,
      );
      measured = await runEngine(opts, env, service, p, image, stop.signal);
    }
  } finally {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cleanup = await env.sweep(
    undefined,
    namesOf(opts.config.harness.prefix.value, runId, params.segment),
  );
  return judge(opts, env, p, measured, cleanup);
}

function runEngine(
  opts: LoadRunOptions,
  env: RunEnvelope,
  service: RunService,
  p: Plan,
  image: ImageFile | undefined,
  signal: AbortSignal,
): Promise<Measured> {
  const { scenario, params } = opts;
  const prefix = opts.config.harness.prefix.value;
  const run = {
    id: env.runId,
    prefix,
    smoke: params.smoke,
    names: namesOf(prefix, env.runId, params.segment),
  };
  if (opts.engine === 'k6') {
    const k6Dir = join(p.loadDir, 'k6');
    mkdirSync(k6Dir, { recursive: true });
    const args = k6Args({
      script: k6ScriptOf(scenario.name)!,
      k6Dir,
      endpoint: env.target.endpoint,
      runId: run.id,
      prefix: run.prefix,
      profile: p.profile,
      smoke: params.smoke,
      ...(params.segment ? { segment: params.segment } : {}),
      ...(image ? { image } : {}),
    });
    return runK6({
      k6: opts.k6!,
      env,
      service,
      k6Dir,
      args,
      chartMetric: scenario.chart.metric,
      log: opts.log,
    });
  }
  return runHarness({
    scenario,
    scenarioPath: opts.scenarioPath,
    profile: p.profile,
    executor: p.executor,
    ...(params.segment ? { segment: params.segment } : {}),
    ...(params.threads ? { threads: params.threads } : {}),
    image,
    endpoint: env.target.endpoint,
    service,
    tokens: env.target.tokens,
    run,
    runDir: env.runDir,
    signal,
    log: opts.log,
  });
}

/** Checks from the thresholds (or the smoke facts), charts, the summary's load section, the exit code. */
function judge(
  opts: LoadRunOptions,
  env: RunEnvelope,
  p: Plan,
  m: Measured | undefined,
  cleanup: NonNullable<Summary['cleanup']>,
): RunOutcome {
  const { scenario, params } = opts;
  const load = p.load;
  const checks = m
    ? loadChecks({
        scenario: scenario.name,
        failureMetric: scenario.failureMetric,
        thresholds: m.thresholds,
        values: m.values,
        durationMs: m.durationMs,
        smoke: params.smoke,
      })
    : [];
  if (m) {
    load.thresholds = m.thresholds;
    load.metrics = keyMetrics(m.values, [
      ...Object.keys(scenario.metrics),
      ...Object.keys(scenario.thresholds(p.profile)),
      ...KEY_BUILTINS,
    ]);
    Object.assign(load.files, m.files);
    if (m.peakRssBytes !== undefined) load.engine.peakRssBytes = m.peakRssBytes;
    if (load.k6) load.k6.exitCode = m.exitCode ?? null;
  }
  const chart = join(p.loadDir, 'throughput.svg');
  const title = `${scenario.name}: ${scenario.chart.unit} (run ${env.runId})`;
  writeFileSync(chart, throughputSvg(m?.throughput ?? [], title, scenario.chart.unit));
  load.files.chart = chart;
  const attachments = [{ name: 'throughput chart', contentType: 'image/svg+xml', path: chart }];
  if (m && m.latency.length > 0) {
    const latency = join(p.loadDir, 'latency.svg');
    writeFileSync(
      latency,
      lineChartSvg(m.latency, `${scenario.name}: request latency (run ${env.runId})`, 'ms'),
    );
    load.files.latencyChart = latency;
    attachments.push({ name: 'latency chart', contentType: 'image/svg+xml', path: latency });
  }
  // The run's charts and the engine's own files travel with the first check into Allure.
  const first = checks[0];
  if (first) first.attachments = [...attachments, ...(m?.attachments ?? [])];
  const { exitCode, outcome, message } = verdict(env, m, checks);
  return env.finish({
    exitCode,
    outcome,
    ...(message ? { message } : {}),
    checks,
    reports: { load: p.loadDir },
    cleanup,
    load,
  });
}

/** Interrupted (130), could not be measured (runner-error, 1), a threshold failed (1), or passed (0). */
export function verdict(
  env: Pick<RunEnvelope, 'wasInterrupted'>,
  m: Measured | undefined,
  checks: ReturnType<typeof loadChecks>,
): { exitCode: number; outcome: Summary['outcome']; message?: string } {
  if (env.wasInterrupted || m?.interrupted)
    return { exitCode: ExitCode.Interrupted, outcome: 'interrupted', message: 'interrupted by a signal' };
  if (!m || m.error)
    return {
      exitCode: ExitCode.CheckFailed,
      outcome: 'runner-error',
      message: m?.error ?? 'the load did not run',
    };
  const failed = checks.filter((c) => c.status === 'failed');
  if (failed.length === 0) return { exitCode: ExitCode.Ok, outcome: 'ok' };
  return {
    exitCode: ExitCode.CheckFailed,
    outcome: 'failed',
    message: failed.map((c) => c.error ?? c.title).join('; '),
  };
}
