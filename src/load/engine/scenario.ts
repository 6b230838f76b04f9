// What a load scenario is: one file under scenarios/ that default-exports defineScenario({...}). The
// engine, the memory guard, the reports and the CLI learn everything about a scenario from that
// object; nothing under src/load names one.
// (Finding and loading them: catalog.ts. This module is what scenario files and the engine's worker
// threads import, so it stays free of the CLI's modules.)
import type { Readable, Writable } from 'node:stream';
import type { GlanceClient } from '../../glance/index.js';
import type { MetricDecl, Tags } from './metrics.js';

/** What the operator asked for on the command line; unset values take the scenario's defaults. */
export interface ProfileInput {
  sizeBytes?: number;
  vus?: number;
  iterations?: number;
  durationS?: number;
  rate?: number;
  minMbps?: number;
  smoke: boolean;
}

/** The resolved load profile of a run (before it is split into segments). */
export interface Profile {
  /** Size of the generated image (0: the scenario moves no data). */
  sizeBytes: number;
  vus: number;
  iterations?: number;
  durationS?: number;
  rate?: number;
  minMbps?: number;
}

/** k6's executors, with k6's meaning. Durations in seconds. */
export type Executor =
  | { type: 'shared-iterations'; vus: number; iterations: number; maxDurationS: number }
  | { type: 'constant-vus'; vus: number; durationS: number; gracefulStopS: number }
  | {
      type: 'ramping-arrival-rate';
      startRate: number;
      /** Seconds per rate unit (k6 timeUnit). */
      timeUnitS: number;
      preAllocatedVUs: number;
      maxVUs: number;
      stages: ReadonlyArray<{ target: number; durationS: number }>;
      gracefulStopS: number;
    };

/**
 * Bytes the scenario needs beyond the engine's own, per engine. The harness engine streams bodies, so
 * its model is small and size-independent; k6 holds request bodies in memory (k6 issues #2311/#2899).
 */
export interface MemoryModel {
  harness: {
    perVuBytes: number;
    fixedBytes: number;
    /**
     * VUs one worker thread runs (threads: one per this many VUs, at most one per core). A thread
     * costs memory of its own, so only CPU-bound iterations (hashing downloads) want few per thread.
     */
    vusPerThread: number;
  };
  /** Image-sized copies k6 holds per VU and once per run (measured, see the scenario's comment). */
  k6: { copiesPerVu: number; copiesShared: number };
}

/** The image file the harness generated for the run (raw bytes, digests known in advance). */
export interface ImageFile {
  path: string;
  size: number;
  sizeLabel: string;
  md5: string;
  sha512: string;
}

/** What a scenario's code can use: the VU's own client, the run's names, metrics and checks. */
export interface VuContext {
  /** 1-based VU number, unique in the run (across worker threads and segments). */
  readonly id: number;
  /** This VU's iteration count so far (0-based for the iteration running). */
  readonly iteration: number;
  readonly glance: GlanceClient;
  readonly image: ImageFile | undefined;
  readonly profile: Profile;
  /**
   * `names`: how this process's image names begin (`<prefix>-<run id>-`, with `seg<i>of<n>-` for a
   * segment): segments of one run id each sweep only their own images, never another's in flight.
   */
  readonly run: { id: string; prefix: string; smoke: boolean; names: string };
  /** Aborted when the run is stopped (SIGINT, graceful stop over): pass it to every call. */
  readonly signal: AbortSignal;
  /** The run's image file as a request body, streamed from disk: memory stays flat at any size. */
  imageBody(): Readable;
  /** Where a downloaded body goes when only its digests matter: nothing is kept. */
  discard(): Writable;
  /** Runs `fn` with its requests tagged `op: name` in the http_* metrics. */
  op<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Adds a sample to one of the scenario's metrics, with the scenario's tags. */
  add(metric: string, value: number | boolean, tags?: Tags): void;
  /** k6's check(): each named condition is a sample of the `checks` rate; true when all hold. */
  check(conditions: Record<string, boolean>, tags?: Tags): boolean;
  /** One warning line for the operator (rate-limited by the engine). */
  warn(line: string): void;
}

export type Thresholds = Record<string, string[]>;

export interface Scenario<S = unknown> {
  name: string;
  /** The question the scenario answers, in one sentence (shown in `load --help` and the summary). */
  question: string;
  /** Whether the harness generates an image of `profile.sizeBytes` for the run. */
  image: boolean;
  profile(input: ProfileInput): Profile;
  executor(profile: Profile): Executor;
  memory: MemoryModel;
  metrics: Record<string, MetricDecl>;
  /** k6 thresholds: the run's verdict. */
  thresholds(profile: Profile): Thresholds;
  /** Metric whose rate counts failed iterations (a thrown iteration counts as failed). */
  failureMetric: string;
  /** The metric charted as throughput: a trend (per-sample values) or a counter (per-second sums). */
  chart: { metric: string; unit: string };
  /** Tags on every sample of the scenario's own metrics (k6 scenario tags). */
  tags?(profile: Profile): Tags;
  /** Runs once per process before the VUs start; what it returns reaches every VU as `data`. */
  setup?(vu: VuContext): Promise<S>;
  iteration(vu: VuContext, data: S): Promise<void>;
  teardown?(vu: VuContext, data: S): Promise<void>;
  /** A few lines for people at the end of the run, from the merged metrics. */
  summaryLines(stat: (selector: string, stat: string, digits?: number) => string, profile: Profile): string[];
}

/** Identity with a type: what a scenario file default-exports. */
export function defineScenario<S>(s: Scenario<S>): Scenario<S> {
  return s;
}
