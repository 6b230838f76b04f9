// What a load scenario is: one file under scenarios/ that default-exports defineScenario({...}). The
// engine, the memory guard, the reports and the CLI learn everything about a scenario from that
// object; nothing under src/load names one.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../../errors.js';
import type { GlanceClient } from '../../glance/index.js';
import { ROOT } from '../../run/run.js';
import type { MetricDecl, Tags } from './metrics.js';

export const SCENARIOS_DIR = join(ROOT, 'scenarios');
/** k6 scripts of the same scenarios, for `--engine k6` (valid k6 scripts that also run by hand). */
export const K6_SCENARIOS_DIR = join(SCENARIOS_DIR, 'k6');

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
  harness: { perVuBytes: number; fixedBytes: number };
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

/** Scenario names: the `.ts` files directly under scenarios/. */
export function listScenarios(dir = SCENARIOS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export function scenarioPath(name: string, dir = SCENARIOS_DIR): string {
  return join(dir, `${name}.ts`);
}

/** Loads scenarios/<name>.ts; an unknown name is a usage error listing the known ones. */
export async function loadScenario(name: string, dir = SCENARIOS_DIR): Promise<Scenario> {
  const known = listScenarios(dir);
  if (!known.includes(name)) throw new UsageError(`unknown scenario "${name}" (known: ${known.join(', ')})`);
  return importScenario(scenarioPath(name, dir));
}

export async function importScenario(path: string): Promise<Scenario> {
  const mod = (await import(pathToFileURL(path).href)) as { default?: Scenario };
  const s = mod.default;
  if (!s || typeof s.iteration !== 'function' || typeof s.profile !== 'function')
    throw new UsageError(`${path} does not default-export defineScenario({...})`);
  return s;
}

/** The k6 script of a scenario, when it has one. */
export function k6ScriptOf(name: string): string | undefined {
  const path = join(K6_SCENARIOS_DIR, `${name}.js`);
  return existsSync(path) ? path : undefined;
}
