/**
 * The load engine's metrics, with k6's model (counter, gauge, rate, trend; tagged series; `name{tag:value}`
 * selectors) so a k6 user reads the numbers and writes thresholds the same way.
 *
 * A worker keeps one `Metrics` registry and ships `snapshot()`/`drain()` results to the main thread; segments
 * write them to files. Snapshots merge exactly: counts, sums, minima and maxima are kept as plain numbers and
 * trend distributions as HDR histograms, which add bucket by bucket. Percentiles therefore never depend on how
 * the samples were split between workers, intervals or machines.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export interface MetricDecl {
  type: MetricType;
  /** trend of milliseconds (k6 "contains: time") */
  time?: boolean;
  /** data bytes (k6 "contains: data") */
  data?: boolean;
}
export type Tags = Readonly<Record<string, string>>;

/** Built-in metrics every run has, with k6's names and types. */
export const BUILTIN_METRICS: Readonly<Record<string, MetricDecl>> = Object.freeze({
  checks: { type: 'rate' },
  data_received: { type: 'counter', data: true },
  data_sent: { type: 'counter', data: true },
  dropped_iterations: { type: 'counter' },
  http_req_duration: { type: 'trend', time: true },
  http_req_failed: { type: 'rate' },
  /** Time to first byte. */
  http_req_waiting: { type: 'trend', time: true },
  http_reqs: { type: 'counter' },
  interrupted_iterations: { type: 'counter' },
  iteration_duration: { type: 'trend', time: true },
  iterations: { type: 'counter' },
  vus: { type: 'gauge' },
});

export interface MetricsSnapshot {
  version: 1;
  metrics: Record<string, SnapshotMetric>;
}
export interface SnapshotMetric {
  type: MetricType;
  contains?: 'time' | 'data';
  series: SnapshotSeries[];
}
/**
 * One series per distinct tag set, tags sorted by key. `count` is the number of samples and `sum` their total
 * (booleans as 0/1, so a rate's `sum` equals its `passes`); a counter's k6 "count" is this `sum`.
 */
export interface SnapshotSeries {
  tags: Record<string, string>;
  count: number;
  sum: number;
  /** gauge and trend */
  min?: number;
  max?: number;
  /** rate: samples that were true or non-zero */
  passes?: number;
  /** gauge: the last value set */
  value?: number;
  /** trend: compressed base64 HDR histogram of the values in thousandths */
  histogram?: string;
}

/** The statistics k6 reports for a metric; which ones are present depends on its type. */
export interface MetricValues {
  count?: number;
  rate?: number;
  avg?: number;
  min?: number;
  med?: number;
  max?: number;
  'p(90)'?: number;
  'p(95)'?: number;
  'p(99)'?: number;
  value?: number;
  passes?: number;
  fails?: number;
}

/**
 * Trend values go into the histogram as integers in thousandths (µs for a millisecond trend): with 3 significant
 * digits a bucket is at most 1/1024 of its value wide, which keeps percentiles within 0.1 %.
 */
const SCALE = 1000;
/** k6's rule for metric names; it also keeps `{`, `:` and `,` free for selectors. */
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A metrics registry: the scenario's declared metrics plus BUILTIN_METRICS. */
export class Metrics {
  readonly #metrics = new Map<string, MetricState>();

  constructor(decls: Record<string, MetricDecl>) {
    for (const [name, decl] of Object.entries(decls)) checkDecl(name, decl);
    const all = { ...BUILTIN_METRICS, ...decls };
    for (const name of Object.keys(all).sort())
      this.#metrics.set(name, new MetricState(contract(all[name]!)));
  }

  /**
   * Records one sample. A rate counts true or any non-zero number as a pass. A NaN or infinite number is
   * dropped for every type (counted nowhere): one failed division must not turn a sum or a percentile into NaN.
   */
  add(name: string, value: number | boolean, tags?: Tags): void {
    const metric = this.#metrics.get(name);
    if (!metric) throw new Error(`Unknown metric "${name}": declare it in the scenario's metrics first`);
    const v = Number(value);
    if (Number.isFinite(v)) metric.record(tags, v);
  }

  /** A JSON-ready copy of every metric (declared ones without samples too), keys in a fixed order. */
  snapshot(): MetricsSnapshot {
    return snapshotOf(this.#metrics);
  }

  /** snapshot then clear all values (for per-interval time series) */
  drain(): MetricsSnapshot {
    const snap = this.snapshot();
    for (const metric of this.#metrics.values()) metric.series.clear();
    return snap;
  }
}

/**
 * Combines snapshots exactly: counts, sums and passes add, minima and maxima combine, histograms add. Gauges
 * keep the highest value: snapshots from other workers or machines share no clock, so "last" has no meaning
 * across them, and the maximum keeps the merge independent of order.
 */
export function mergeSnapshots(...snaps: MetricsSnapshot[]): MetricsSnapshot {
  const merged = new Map<string, MetricState>();
  for (const snap of snaps) {
    if (snap.version !== 1) throw new Error(`Unsupported metrics snapshot version ${String(snap.version)}`);
    for (const [name, metric] of Object.entries(snap.metrics)) {
      const state = merged.get(name) ?? new MetricState(metric);
      state.assertSameKind(name, metric);
      for (const series of metric.series) state.absorb(series);
      merged.set(name, state);
    }
  }
  return snapshotOf(new Map([...merged].sort(([a], [b]) => compare(a, b))));
}

/**
 * k6's statistics of a selector over the matching series. Unknown metric or no matching series: undefined.
 * A counter's rate is its count per second of `durationS`; a gauge over several series reports the highest value.
 */
export function query(
  snap: MetricsSnapshot,
  selector: string,
  opts: { durationS: number },
): MetricValues | undefined {
  const found = select(snap, selector);
  return found?.series && VALUES[found.type](found.series, opts.durationS);
}

/**
 * Percentile p (0 to 100, nearest rank) of a trend selector; undefined when nothing matches. It is the upper
 * edge of the histogram bucket holding the sample, kept within the exact min and max: it may read up to 0.1 %
 * high (the median of 10, 12.3 and 14 reads 12.303), and low only by the rounding to thousandths.
 */
export function percentileOf(snap: MetricsSnapshot, selector: string, p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`Percentile must be between 0 and 100, got ${p}`);
  const found = select(snap, selector);
  if (found && found.type !== 'trend')
    throw new Error(`${selector} is a ${found.type}: percentiles exist only for trends`);
  return found?.series && percentile(found.series, p);
}

/** k6 selector: `name` or `name{tag:value,tag2:value2}`; a value may be quoted. Throws on anything else. */
export function parseSelector(selector: string): { name: string; tags: Record<string, string> } {
  const m = /^([^{}]+?)\s*(?:\{([^{}]*)\})?$/.exec(selector.trim());
  const name = m?.[1];
  if (name === undefined || !METRIC_NAME.test(name))
    throw new Error(`Malformed metric selector "${selector}": expected name or name{tag:value,...}`);
  const tags: Record<string, string> = {};
  for (const pair of m?.[2]?.split(',') ?? []) {
    const [key, value] = splitTag(selector, pair);
    if (Object.hasOwn(tags, key)) throw new Error(`Metric selector "${selector}" names tag "${key}" twice`);
    tags[key] = value;
  }
  return { name, tags };
}

function splitTag(selector: string, pair: string): [string, string] {
  const at = pair.indexOf(':');
  const key = pair.slice(0, at).trim();
  const value = pair
    .slice(at + 1)
    .trim()
    .replace(/^(["'])(.*)\1$/, '$2');
  if (at < 0 || key === '' || value === '')
    throw new Error(`Malformed tag "${pair.trim()}" in metric selector "${selector}": expected tag:value`);
  return [key, value];
}

/** The metric's kind as a snapshot states it. */
type Kind = Pick<SnapshotMetric, 'type' | 'contains'>;

/** Running aggregate of one tag set; min/max/value start at ±Infinity until the first sample. */
interface Series {
  tags: Record<string, string>;
  count: number;
  sum: number;
  min: number;
  max: number;
  passes: number;
  value: number;
  histogram: Histogram | undefined;
}

class MetricState {
  readonly type: MetricType;
  readonly contains: 'time' | 'data' | undefined;
  readonly series = new Map<string, Series>();

  constructor(kind: Kind) {
    this.type = kind.type;
    this.contains = kind.contains;
  }

  record(tags: Tags | undefined, v: number): void {
    const s = this.#seriesFor(tags ?? {});
    s.count += 1;
    s.sum += v;
    s.min = Math.min(s.min, v);
    s.max = Math.max(s.max, v);
    if (v !== 0) s.passes += 1;
    s.value = v;
    // HDR records non-negative integers only: a negative trend value lands in the 0 bucket (sum/min stay exact).
    s.histogram?.recordValue(Math.max(0, Math.round(v * SCALE)));
  }

  absorb(from: SnapshotSeries): void {
    absorbInto(this.#seriesFor(from.tags), from);
  }

  assertSameKind(name: string, other: Kind): void {
    if (other.type !== this.type || other.contains !== this.contains)
      throw new Error(
        `Metric ${name} is ${describeKind(this)} in one snapshot and ${describeKind(other)} in another`,
      );
  }

  toSnapshot(): SnapshotMetric {
    const keys = [...this.series.keys()].sort(compare);
    const series = keys.map((k) => toSnapshotSeries(this.series.get(k)!, this.type));
    return { type: this.type, ...(this.contains ? { contains: this.contains } : {}), series };
  }

  #seriesFor(tags: Tags): Series {
    const key = seriesKey(tags);
    let s = this.series.get(key);
    if (!s) {
      s = emptySeries(sortedTags(tags), this.type);
      this.series.set(key, s);
    }
    return s;
  }
}

function checkDecl(name: string, decl: MetricDecl): void {
  if (!METRIC_NAME.test(name))
    throw new Error(
      `Metric name "${name}" is invalid: use letters, digits and _ (at most 128, not first a digit)`,
    );
  if (decl.time && decl.data) throw new Error(`Metric ${name} cannot contain both time and data`);
  const builtin = BUILTIN_METRICS[name];
  if (builtin && describeKind(contract(builtin)) !== describeKind(contract(decl)))
    throw new Error(
      `Metric ${name} is built in as ${describeKind(contract(builtin))}; the scenario cannot redeclare it`,
    );
}

function contract(decl: MetricDecl): Kind {
  return { type: decl.type, contains: decl.time ? 'time' : decl.data ? 'data' : undefined };
}

function describeKind(kind: Kind): string {
  return kind.contains ? `a ${kind.type} of ${kind.contains}` : `a ${kind.type}`;
}

function snapshotOf(metrics: ReadonlyMap<string, MetricState>): MetricsSnapshot {
  const out: Record<string, SnapshotMetric> = {};
  for (const [name, state] of metrics) out[name] = state.toSnapshot();
  return { version: 1, metrics: out };
}

/** Code-unit order, so a snapshot is byte-identical whatever the locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function seriesKey(tags: Tags): string {
  return JSON.stringify(Object.entries(tags).sort(([a], [b]) => compare(a, b)));
}

function sortedTags(tags: Tags): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => compare(a, b)));
}

/**
 * Float64 counts: recording is about five times faster than the packed layout and no bucket can overflow, at
 * the price of ~100 KB for a series whose values span seconds to microseconds.
 */
function newHistogram(): Histogram {
  return build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

function emptySeries(tags: Record<string, string>, type: MetricType): Series {
  const histogram = type === 'trend' ? newHistogram() : undefined;
  return { tags, count: 0, sum: 0, min: Infinity, max: -Infinity, passes: 0, value: -Infinity, histogram };
}

function absorbInto(s: Series, from: SnapshotSeries): void {
  s.count += from.count;
  s.sum += from.sum;
  s.min = Math.min(s.min, from.min ?? Infinity);
  s.max = Math.max(s.max, from.max ?? -Infinity);
  s.passes += from.passes ?? 0;
  s.value = Math.max(s.value, from.value ?? -Infinity);
  if (s.histogram && from.histogram) s.histogram.add(decodeFromCompressedBase64(from.histogram, 64, false));
}

function toSnapshotSeries(s: Series, type: MetricType): SnapshotSeries {
  const out: SnapshotSeries = { tags: { ...s.tags }, count: s.count, sum: s.sum };
  if (type === 'gauge' || type === 'trend') Object.assign(out, { min: s.min, max: s.max });
  if (type === 'rate') out.passes = s.passes;
  if (type === 'gauge') out.value = s.value;
  if (s.histogram) out.histogram = encodeIntoCompressedBase64(s.histogram);
  return out;
}

/** The metric's type and the series matching the selector folded into one (no series when none matches). */
function select(snap: MetricsSnapshot, selector: string): { type: MetricType; series?: Series } | undefined {
  const { name, tags } = parseSelector(selector);
  if (!Object.hasOwn(snap.metrics, name)) return undefined;
  const metric = snap.metrics[name]!;
  const matching = metric.series.filter((s) => Object.entries(tags).every(([k, v]) => s.tags[k] === v));
  if (matching.length === 0) return { type: metric.type };
  const series = emptySeries({}, metric.type);
  for (const s of matching) absorbInto(series, s);
  return { type: metric.type, series };
}

/** Nearest-rank percentile from the histogram, kept within the exact min and max. */
function percentile(s: Series, p: number): number {
  const v = s.histogram!.getValueAtPercentile(p) / SCALE;
  return Math.min(s.max, Math.max(s.min, v));
}

const VALUES: Record<MetricType, (s: Series, durationS: number) => MetricValues> = {
  counter: (s, durationS) => ({ count: s.sum, rate: s.sum / durationS }),
  gauge: (s) => ({ value: s.value, min: s.min, max: s.max }),
  rate: (s) => ({ rate: s.passes / s.count, passes: s.passes, fails: s.count - s.passes }),
  trend: (s) => ({
    avg: s.sum / s.count,
    min: s.min,
    med: percentile(s, 50),
    max: s.max,
    'p(90)': percentile(s, 90),
    'p(95)': percentile(s, 95),
    'p(99)': percentile(s, 99),
    count: s.count,
  }),
};
