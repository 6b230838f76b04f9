// What the main thread hands each worker thread, once, frozen: its share of the VUs and iterations
// and everything it needs to run them. Tokens are not in it: they change, and come from the run service.
import { availableParallelism } from 'node:os';
import type { Segment } from '../segment.js';
import { type Slice, segmentSlice, sliceCount, subSlice, vuIds, vusOf } from './executors.js';
import type { MetricsSnapshot } from './metrics.js';
import type { Executor, ImageFile, Profile, VuContext } from './scenario.js';

export interface WorkerPlan {
  scenarioPath: string;
  executor: Executor;
  profile: Profile;
  /** This worker's slice of the global numbering of iterations (arrival-rate starts). */
  slice: Slice;
  /** Global numbers of the VUs this worker may run (arrival-rate: its pool, up to its maxVUs share). */
  vuIds: number[];
  /** Arrival-rate: VUs made before the start. */
  preAllocatedVUs?: number;
  /** Shared-iterations: the counter every worker of the process draws iteration numbers from. */
  counter?: SharedArrayBuffer;
  /** Shared-iterations: iterations of this process (its segment's share). */
  iterations?: number;
  /** Epoch ms at which every worker starts. */
  startAt: number;
  endpoint: string;
  serviceUrl: string;
  serviceKey: string;
  run: VuContext['run'];
  image: ImageFile | undefined;
  setupData: unknown;
}

export type ToMain =
  | { type: 'interval'; snapshot: MetricsSnapshot }
  | { type: 'done'; snapshot: MetricsSnapshot }
  | { type: 'warn'; line: string }
  | { type: 'fatal'; message: string };

export type ToWorker = { type: 'stop' };

/** Worker threads for `vus` VUs: one per `vusPerThread`, at most one per core, or as the operator said. */
export function threadsFor(
  vus: number,
  vusPerThread: number,
  override?: number,
  cores = availableParallelism(),
): number {
  return override ?? Math.max(1, Math.min(cores, Math.ceil(vus / Math.max(1, vusPerThread))));
}

export type PlanBase = Omit<WorkerPlan, 'slice' | 'vuIds' | 'preAllocatedVUs' | 'counter' | 'iterations'>;

/**
 * Splits this process's share of the executor (its segment) between `threads` workers; workers left
 * with no VU are not started. Shared-iterations workers draw from one counter, so a slow VU never
 * leaves iterations stranded in another worker's share.
 */
export function workerPlans(base: PlanBase, segment: Segment | undefined, threads: number): WorkerPlan[] {
  const e = base.executor;
  const seg = segmentSlice(segment);
  const vus = vusOf(e, seg);
  const n = Math.max(1, Math.min(threads, vus));
  const counter = e.type === 'shared-iterations' ? new SharedArrayBuffer(4) : undefined;
  const plans: WorkerPlan[] = [];
  for (let w = 0; w < n; w += 1) {
    const slice = subSlice(seg, w, n);
    const total = e.type === 'ramping-arrival-rate' ? e.maxVUs : e.vus;
    const ids = vuIds(total, slice);
    if (ids.length === 0) continue;
    plans.push({
      ...base,
      slice,
      vuIds: ids,
      ...(e.type === 'ramping-arrival-rate'
        ? { preAllocatedVUs: Math.max(1, sliceCount(e.preAllocatedVUs, slice)) }
        : {}),
      ...(counter && e.type === 'shared-iterations'
        ? { counter, iterations: sliceCount(e.iterations, seg) }
        : {}),
    });
  }
  return plans;
}
