// A worker thread of the load engine: runs its share of the VUs with the scenario's iteration and
// sends its metrics to the main thread once a second. It knows its run only from the frozen plan it
// was started with, and its tokens only from the run service. The main thread bundles this module
// with the scenario file into one plain JavaScript file per run (runner.ts), so a thread loads no
// TypeScript toolchain.
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../../errors.js';
import { RunServiceClient } from '../../run/service-client.js';
import { arrivals } from './executors.js';
import { Metrics, type MetricsSnapshot, type Tags } from './metrics.js';
import type { ToMain, ToWorker, WorkerPlan } from './plan.js';
import type { Scenario } from './scenario.js';
import { createVu, type Vu } from './vu.js';

const MAX_WARNINGS = 20;

function post(m: ToMain): void {
  parentPort?.postMessage(m);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

class WorkerRun {
  readonly metrics: Metrics;
  readonly stop = new AbortController();
  private warnings = 0;
  private readonly vus: Vu[] = [];
  private readonly tags: Tags;
  private readonly tokens;

  constructor(
    readonly plan: WorkerPlan,
    readonly scenario: Scenario,
  ) {
    this.metrics = new Metrics(scenario.metrics);
    this.tags = scenario.tags?.(plan.profile) ?? {};
    this.tokens = new RunServiceClient(plan.serviceUrl, plan.serviceKey).tokens('primary');
  }

  warn(line: string): void {
    this.warnings += 1;
    if (this.warnings <= MAX_WARNINGS) post({ type: 'warn', line });
    else if (this.warnings === MAX_WARNINGS + 1)
      post({ type: 'warn', line: 'further warnings of this worker left out' });
  }

  vu(id: number): Vu {
    const vu = createVu({
      id,
      endpoint: this.plan.endpoint,
      tokens: this.tokens,
      metrics: this.metrics,
      profile: this.plan.profile,
      image: this.plan.image,
      run: this.plan.run,
      tags: this.tags,
      signal: this.stop.signal,
      warn: (line) => this.warn(line),
    });
    this.vus.push(vu);
    return vu;
  }

  /** One iteration; a thrown one counts as failed, an interrupted one only as interrupted. */
  async iterate(vu: Vu): Promise<void> {
    const started = performance.now();
    try {
      await this.scenario.iteration(vu, this.plan.setupData);
    } catch (err) {
      if (this.stop.signal.aborted) {
        this.metrics.add('interrupted_iterations', 1, this.tags);
        return;
      }
      vu.add(this.scenario.failureMetric, true);
      this.warn(`VU ${vu.id} iteration ${vu.iteration}: ${describeError(err)}`);
    } finally {
      vu.iteration += 1;
    }
    if (this.stop.signal.aborted) {
      this.metrics.add('interrupted_iterations', 1, this.tags);
      return;
    }
    this.metrics.add('iterations', 1, this.tags);
    this.metrics.add('iteration_duration', performance.now() - started, this.tags);
  }

  /** Ends the iterations still running `graceS` after `endAt` (k6's gracefulStop). */
  stopAt(endAt: number, graceS: number): NodeJS.Timeout {
    return setTimeout(() => this.stop.abort(), Math.max(0, endAt - Date.now()) + graceS * 1000);
  }

  async run(): Promise<void> {
    const e = this.plan.executor;
    const startAt = this.plan.startAt;
    await sleep(startAt - Date.now(), this.stop.signal);
    if (e.type === 'shared-iterations') {
      const next = new Int32Array(this.plan.counter!);
      const timer = this.stopAt(startAt + e.maxDurationS * 1000, 0);
      await Promise.all(
        this.plan.vuIds.map(async (id) => {
          const vu = this.vu(id);
          while (!this.stop.signal.aborted && Atomics.add(next, 0, 1) < this.plan.iterations!)
            await this.iterate(vu);
        }),
      );
      clearTimeout(timer);
    } else if (e.type === 'constant-vus') {
      const endAt = startAt + e.durationS * 1000;
      const timer = this.stopAt(endAt, e.gracefulStopS);
      await Promise.all(
        this.plan.vuIds.map(async (id) => {
          const vu = this.vu(id);
          while (!this.stop.signal.aborted && Date.now() < endAt) await this.iterate(vu);
        }),
      );
      clearTimeout(timer);
    } else {
      await this.arrivalRate(e);
    }
  }

  /** Starts iterations on schedule; with no idle VU and the pool at its maximum, the start is dropped. */
  private async arrivalRate(
    e: Extract<WorkerPlan['executor'], { type: 'ramping-arrival-rate' }>,
  ): Promise<void> {
    const ids = [...this.plan.vuIds];
    const idle: Vu[] = ids.splice(0, Math.max(1, this.plan.preAllocatedVUs ?? 1)).map((id) => this.vu(id));
    const running = new Set<Promise<void>>();
    const startAt = this.plan.startAt;
    for (const t of arrivals(e, this.plan.slice)) {
      await sleep(startAt + t * 1000 - Date.now(), this.stop.signal);
      if (this.stop.signal.aborted) break;
      const fresh = idle.length === 0 ? ids.shift() : undefined;
      const vu = idle.pop() ?? (fresh !== undefined ? this.vu(fresh) : undefined);
      if (!vu) {
        this.metrics.add('dropped_iterations', 1, this.tags);
        continue;
      }
      const p: Promise<void> = this.iterate(vu).finally(() => {
        running.delete(p);
        idle.push(vu);
      });
      running.add(p);
    }
    const endAt = startAt + e.stages.reduce((s, st) => s + st.durationS, 0) * 1000;
    const timer = this.stopAt(endAt, e.gracefulStopS);
    await Promise.all(running);
    clearTimeout(timer);
  }

  snapshot(): MetricsSnapshot {
    this.metrics.add('vus', this.vus.length, this.tags);
    return this.metrics.drain();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.vus.map((v) => v.close()));
  }
}

async function main(scenario: Scenario, plan: WorkerPlan): Promise<void> {
  const run = new WorkerRun(plan, scenario);
  parentPort?.on('message', (m: ToWorker) => {
    if (m.type === 'stop') run.stop.abort();
  });
  const ticker = setInterval(() => post({ type: 'interval', snapshot: run.snapshot() }), 1000);
  try {
    await run.run();
  } finally {
    clearInterval(ticker);
    await run.close();
  }
  post({ type: 'done', snapshot: run.snapshot() });
}

/** The bundle's entry calls this with the scenario it was built with. */
export function startWorker(scenario: Scenario): void {
  main(scenario, workerData as WorkerPlan).catch((err: unknown) => {
    post({ type: 'fatal', message: describeError(err) });
  });
}
