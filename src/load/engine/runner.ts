// The engine's main thread: setup, the worker threads that run the VUs, one merged metrics snapshot
// and a point a second for the charts, teardown. Nothing here holds image data: bodies stream from
// the image file to the socket and from the socket through the hashes.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { describeError } from '../../errors.js';
import type { TokenProvider } from '../../glance/index.js';
import type { Segment } from '../segment.js';
import { segmentSlice, vusOf } from './executors.js';
import { Metrics, type MetricsSnapshot, mergeSnapshots, query } from './metrics.js';
import { type PlanBase, type ToMain, type ToWorker, threadsFor, workerPlans } from './plan.js';
import type { Executor, ImageFile, Profile, Scenario, VuContext } from './scenario.js';
import { createVu } from './vu.js';

const WORKER_MODULE = fileURLToPath(new URL('./worker.ts', import.meta.url));

/**
 * Bundles the worker and the scenario file into one plain JavaScript file: a thread that loads it
 * needs no TypeScript loader (measured: tsx costs a worker thread about 40 MiB more). Node's own
 * modules stay outside; `require` is given for the CommonJS packages inside (undici).
 */
export async function bundleWorker(scenarioPath: string, dir: string): Promise<string> {
  const contents =
    `import scenario from ${JSON.stringify(scenarioPath)};\n` +
    `import { startWorker } from ${JSON.stringify(WORKER_MODULE)};\n` +
    'startWorker(scenario);\n';
  const out = join(dir, `glance-harness-worker-${process.pid}-${Date.now()}.mjs`);
  await build({
    stdin: { contents, resolveDir: dirname(WORKER_MODULE), sourcefile: 'load-worker.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    banner: {
      js: "import { createRequire as __ghRequire } from 'node:module'; const require = __ghRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  return out;
}

export interface EngineOptions {
  scenario: Scenario;
  scenarioPath: string;
  profile: Profile;
  executor: Executor;
  segment?: Segment;
  image: ImageFile | undefined;
  endpoint: string;
  /** The run service: workers ask it for tokens with the key. */
  service: { url: string; key: string };
  /** The CLI's own tokens, for setup and teardown in this thread. */
  tokens: TokenProvider;
  run: VuContext['run'];
  /** Aborted on SIGINT/SIGTERM: workers stop at once. */
  signal: AbortSignal;
  log(line: string): void;
  /** Worker threads (default: threadsFor the scenario's VUs per thread). */
  threads?: number;
}

/** One point a second: what the charts draw. */
export interface SeriesPoint {
  /** Seconds since the VUs started. */
  t: number;
  /** The scenario's throughput metric over the second: a trend's mean, a counter's sum. */
  throughput?: number;
  /** http_req_duration over the second, ms. */
  latencyMed?: number;
  latencyP95?: number;
}

export interface EngineResult {
  snapshot: MetricsSnapshot;
  series: SeriesPoint[];
  /** Seconds from the VUs' start to the last worker's end. */
  durationS: number;
  threads: number;
  interrupted: boolean;
  /** Why the run could not be measured (setup failed, a worker died). */
  error?: string;
}

/** The point of one second's merged interval snapshot. */
export function seriesPoint(t: number, snap: MetricsSnapshot, chartMetric: string): SeriesPoint {
  const m = query(snap, chartMetric, { durationS: 1 });
  const lat = query(snap, 'http_req_duration', { durationS: 1 });
  const type = snap.metrics[chartMetric]?.type;
  const throughput = type === 'trend' ? m?.avg : m?.count;
  return {
    t,
    ...(throughput !== undefined && (m?.count ?? 0) > 0 ? { throughput } : {}),
    ...(lat?.med !== undefined ? { latencyMed: lat.med } : {}),
    ...(lat?.['p(95)'] !== undefined ? { latencyP95: lat['p(95)'] } : {}),
  };
}

export async function runEngine(o: EngineOptions): Promise<EngineResult> {
  const own = new Metrics(o.scenario.metrics);
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  const local = createVu({
    id: 0,
    endpoint: o.endpoint,
    tokens: o.tokens,
    metrics: own,
    profile: o.profile,
    image: o.image,
    run: o.run,
    tags: o.scenario.tags?.(o.profile) ?? {},
    signal: stop.signal,
    warn: o.log,
  });
  const chunks: MetricsSnapshot[] = [];
  let bundle: string | undefined;
  try {
    try {
      bundle = await bundleWorker(o.scenarioPath, tmpdir());
    } catch (err) {
      return failed(own, `cannot build the load worker: ${describeError(err)}`, false);
    }
    let data: unknown;
    try {
      data = await o.scenario.setup?.(local);
    } catch (err) {
      return failed(own, `setup failed: ${describeError(err)}`, stop.signal.aborted);
    }
    const result = await runWorkers(o, data, stop, bundle);
    chunks.push(result.snapshot);
    if (o.scenario.teardown) {
      await o.scenario
        .teardown({ ...local, signal: new AbortController().signal }, data)
        .catch((err: unknown) => {
          o.log(`teardown: ${describeError(err)}`);
        });
    }
    chunks.push(own.snapshot());
    return { ...result, snapshot: mergeSnapshots(...chunks) };
  } finally {
    if (bundle) rmSync(bundle, { force: true });
    o.signal.removeEventListener('abort', onAbort);
    await local.close();
  }
}

function failed(own: Metrics, error: string, interrupted: boolean): EngineResult {
  return { snapshot: own.snapshot(), series: [], durationS: 0, threads: 0, interrupted, error };
}

/** Starts the workers, merges what they send, and stops them on a signal or when one dies. */
async function runWorkers(
  o: EngineOptions,
  setupData: unknown,
  stop: AbortController,
  bundle: string,
): Promise<EngineResult> {
  const startAt = Date.now() + 200;
  const base: PlanBase = {
    scenarioPath: o.scenarioPath,
    executor: o.executor,
    profile: o.profile,
    startAt,
    endpoint: o.endpoint,
    serviceUrl: o.service.url,
    serviceKey: o.service.key,
    run: o.run,
    image: o.image,
    setupData,
  };
  const vus = vusOf(o.executor, segmentSlice(o.segment));
  const plans = workerPlans(
    base,
    o.segment,
    threadsFor(vus, o.scenario.memory.harness.vusPerThread, o.threads),
  );
  let total: MetricsSnapshot = new Metrics(o.scenario.metrics).snapshot();
  let second: MetricsSnapshot[] = [];
  const series: SeriesPoint[] = [];
  let error: string | undefined;
  const take = (snap: MetricsSnapshot): void => {
    total = mergeSnapshots(total, snap);
    second.push(snap);
  };
  const flush = setInterval(() => {
    if (second.length === 0) return;
    const t = Math.round((Date.now() - startAt) / 1000);
    series.push(seriesPoint(t, mergeSnapshots(...second), o.scenario.chart.metric));
    second = [];
    if (t > 0 && t % 10 === 0) o.log(progressLine(t, total, o.scenario));
  }, 1000);
  // Threads made after this may call gc() (vu.ts collects dead body chunks as it streams).
  setFlagsFromString('--expose-gc');
  const workers = plans.map((plan) => new Worker(bundle, { workerData: Object.freeze(plan) }));
  const stopAll = (): void => {
    for (const w of workers) w.postMessage({ type: 'stop' } satisfies ToWorker);
  };
  stop.signal.addEventListener('abort', stopAll, { once: true });
  // A worker is done when it says so (its port keeps it alive) or when it dies.
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.on('message', (m: ToMain) => {
            if (m.type === 'interval') take(m.snapshot);
            else if (m.type === 'warn') o.log(m.line);
            else if (m.type === 'done') {
              take(m.snapshot);
              resolve();
            } else {
              error ??= `a load worker failed: ${m.message}`;
              stop.abort();
              resolve();
            }
          });
          w.on('error', (err) => {
            error ??= `a load worker failed: ${describeError(err)}`;
            stop.abort();
          });
          w.on('exit', () => resolve());
        }),
    ),
  );
  await Promise.all(workers.map((w) => w.terminate()));
  clearInterval(flush);
  const durationS = Math.max(0.001, (Date.now() - startAt) / 1000);
  if (second.length > 0)
    series.push(seriesPoint(Math.round(durationS), mergeSnapshots(...second), o.scenario.chart.metric));
  return {
    snapshot: total,
    series,
    durationS,
    threads: workers.length,
    interrupted: o.signal.aborted,
    ...(error ? { error } : {}),
  };
}

function progressLine(t: number, snap: MetricsSnapshot, s: Scenario): string {
  const it = query(snap, 'iterations', { durationS: t })?.count ?? 0;
  const fail = query(snap, s.failureMetric, { durationS: t });
  const dropped = query(snap, 'dropped_iterations', { durationS: t })?.count ?? 0;
  return (
    `[${t} s] ${it} iteration(s), ${fail?.fails !== undefined ? `${fail.passes ?? 0} failed` : 'none failed'}` +
    `${dropped ? `, ${dropped} dropped` : ''}`
  );
}
