// What a load run is judged by and shows, whichever engine measured it: checks from thresholds (or
// the smoke facts), key metrics, charts; and k6's summary read into the same shape.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { CheckResult } from '../report/summary.js';
import type { MetricValues } from './engine/metrics.js';
import type { ThresholdResult } from './engine/thresholds.js';

export type { ThresholdResult };

/** The part of k6's handleSummary data the harness reads. */
export interface K6Metric {
  type: string;
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
export interface K6Summary {
  metrics: Record<string, K6Metric>;
  state?: { testRunDurationMs?: number };
}

/** Reads the summary the scenario's handleSummary wrote; a string says why it cannot be used. */
export function readK6Summary(path: string): K6Summary | string {
  if (!existsSync(path)) return `k6 wrote no summary at ${path}`;
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as K6Summary;
    if (!data || typeof data.metrics !== 'object' || data.metrics === null)
      return `${path}: no "metrics" object in the k6 summary`;
    return data;
  } catch (err) {
    return `${path}: not JSON (${(err as Error).message})`;
  }
}

/** Statistic an expression tests: `p(95)<500` → p(95), `rate==1` → rate, `count<1` → count. */
export function thresholdStat(expression: string): string | undefined {
  return /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(?:<|>|=|!)/.exec(expression)?.[1];
}

export function thresholdsOf(summary: K6Summary): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, m] of Object.entries(summary.metrics)) {
    for (const [expression, t] of Object.entries(m.thresholds ?? {})) {
      const stat = thresholdStat(expression);
      const value =
        stat === undefined ? undefined : (m.values[stat === 'p(50)' ? 'med' : stat] ?? m.values[stat]);
      out.push({
        metric,
        expression,
        ok: t.ok === true,
        ...(stat !== undefined && typeof value === 'number' ? { observed: { stat, value } } : {}),
      });
    }
  }
  return out.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
}

/** `http_req_duration{op:create}` → `http_req_duration.op-create`. */
export function metricSlug(metric: string): string {
  return metric
    .replace(/[{}]/g, '.')
    .replace(/[^A-Za-z0-9_.]+/g, '-')
    .replace(/\.+$/, '');
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** A metric's values by k6 selector (`upload_mbps`, `checks{kind:integrity}`), from either engine. */
export type ValuesOf = (selector: string) => MetricValues | undefined;

/** k6's summary as a ValuesOf: k6 reports the selectors its thresholds name, `med` for p(50). */
export function k6Values(summary: K6Summary): ValuesOf {
  return (selector) => summary.metrics[selector]?.values as MetricValues | undefined;
}

/** What the checks of a load run are made from, whichever engine measured it. */
export interface LoadMeasures {
  scenario: string;
  failureMetric: string;
  thresholds: readonly ThresholdResult[];
  values: ValuesOf;
  durationMs: number;
  smoke: boolean;
}

/**
 * The run's checks: one per threshold (the verdict), or in smoke mode (thresholds off) the
 * correctness facts that still must hold: iterations ran, none failed, every check passed.
 */
export function loadChecks(m: LoadMeasures): CheckResult[] {
  const suite = `load › ${m.scenario}`;
  const tags = ['@load', `@${m.scenario}`];
  const base = { suite, tags, durationMs: Math.round(m.durationMs) };
  if (!m.smoke) {
    const seen = new Map<string, number>();
    return m.thresholds.map((t) => {
      const slug = metricSlug(t.metric);
      const n = (seen.get(slug) ?? 0) + 1;
      seen.set(slug, n);
      const obs = t.observed ? `${t.observed.stat} = ${round(t.observed.value)}` : 'no samples';
      return {
        ...base,
        id: `load.${m.scenario}.${slug}${n > 1 ? `.${n}` : ''}`,
        title: `${t.metric} ${t.expression}`,
        status: t.ok ? 'passed' : 'failed',
        ...(t.ok ? {} : { error: `Threshold ${t.metric} ${t.expression} failed: ${obs}` }),
      };
    });
  }
  const fact = (id: string, title: string, error: string | undefined): CheckResult => ({
    ...base,
    id: `load.${m.scenario}.smoke.${id}`,
    title,
    status: error ? 'failed' : 'passed',
    ...(error ? { error } : {}),
  });
  const iterations = m.values('iterations')?.count ?? 0;
  const failRate = m.values(m.failureMetric)?.rate;
  const out = [
    fact(
      'iterations',
      'smoke: at least one iteration completed',
      iterations >= 1 ? undefined : 'no iteration completed',
    ),
    fact(
      'failures',
      `smoke: ${m.failureMetric} is 0`,
      failRate === 0
        ? undefined
        : failRate === undefined
          ? `${m.failureMetric} was never recorded`
          : `${m.failureMetric} rate = ${round(failRate)}`,
    ),
  ];
  const checks = m.values('checks');
  if (checks && (checks.passes ?? 0) + (checks.fails ?? 0) > 0) {
    const failedChecks = checks.fails ?? 0;
    out.push(
      fact(
        'checks',
        'smoke: every check passed',
        failedChecks === 0
          ? undefined
          : `${failedChecks} of ${(checks.passes ?? 0) + failedChecks} checks failed`,
      ),
    );
  }
  return out;
}

/** Built-in metrics summary.json always carries when measured, besides the scenario's and the thresholds'. */
export const KEY_BUILTINS = [
  'iterations',
  'dropped_iterations',
  'interrupted_iterations',
  'http_reqs',
  'http_req_failed',
  'http_req_duration',
  'data_sent',
  'data_received',
  'checks',
] as const;

/** The key metrics' values for summary.json, rounded: the given selectors that have values. */
export function keyMetrics(
  values: ValuesOf,
  selectors: readonly string[],
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const sel of new Set(selectors)) {
    const v = values(sel);
    if (!v) continue;
    out[sel] = Object.fromEntries(
      Object.entries(v)
        .filter((e): e is [string, number] => typeof e[1] === 'number')
        .map(([k, n]) => [k, round(n)]),
    );
  }
  return out;
}

export interface SeriesPoint {
  /** Seconds since the first point. */
  t: number;
  value: number;
}

/**
 * The throughput series from k6's NDJSON points (optionally gzipped): each sample of a MB/s trend,
 * or for a counter such as http_reqs, requests per second (the harness's own token and setup calls left out).
 */
export async function throughputSeries(path: string, metric: string): Promise<SeriesPoint[]> {
  if (!existsSync(path)) return [];
  const input = createReadStream(path);
  const lines = createInterface({
    input: path.endsWith('.gz') ? input.pipe(createGunzip()) : input,
    crlfDelay: Infinity,
  });
  const raw: Array<{ time: number; value: number }> = [];
  for await (const line of lines) {
    if (!line.includes(`"metric":"${metric}"`) || !line.includes('"type":"Point"')) continue;
    try {
      const p = JSON.parse(line) as { data: { time: string; value: number; tags?: Record<string, string> } };
      const op = p.data.tags?.op;
      if (op === 'token' || op === 'setup' || op === 'teardown') continue;
      raw.push({ time: Date.parse(p.data.time), value: p.data.value });
    } catch {
      // a torn last line after an interruption: skip it
    }
  }
  if (raw.length === 0) return [];
  const t0 = Math.min(...raw.map((r) => r.time));
  if (metric !== 'http_reqs') return raw.map((r) => ({ t: (r.time - t0) / 1000, value: r.value }));
  const buckets = new Map<number, number>();
  for (const r of raw) {
    const s = Math.floor((r.time - t0) / 1000);
    buckets.set(s, (buckets.get(s) ?? 0) + r.value);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, value]) => ({ t, value }));
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface ChartLine {
  label: string;
  points: readonly SeriesPoint[];
}

const COLORS = ['#3366cc', '#dc3912', '#109618'];

/** A small self-contained SVG line chart of one series (for Allure and the run's load folder). */
export function throughputSvg(series: readonly SeriesPoint[], title: string, unit: string): string {
  return lineChartSvg([{ label: unit, points: series }], title, unit);
}

/** A small self-contained SVG chart of one or more lines over time, with a legend when several. */
export function lineChartSvg(lines: readonly ChartLine[], title: string, unit: string): string {
  const W = 720;
  const H = 320;
  const L = 60;
  const B = 40;
  const T = 30;
  const R = 20;
  const all = lines.flatMap((l) => l.points);
  const maxT = Math.max(1, ...all.map((p) => p.t));
  const maxV = Math.max(1e-9, ...all.map((p) => p.value)) * 1.1;
  const x = (t: number): number => L + (t / maxT) * (W - L - R);
  const y = (v: number): number => H - B - (v / maxV) * (H - B - T);
  const drawn = lines.map((line, i) => {
    const color = COLORS[i % COLORS.length]!;
    const path = line.points
      .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`)
      .join(' ');
    const dots = line.points
      .map((p) => `<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5"/>`)
      .join('');
    const legend =
      lines.length > 1
        ? `<text x="${W - R - 4}" y="${T + 14 * i}" text-anchor="end" fill="${color}">${esc(line.label)}</text>`
        : '';
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="1.5"/><g fill="${color}">${dots}</g>${legend}`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${L - 6}" y="${y(maxV * f) + 4}" text-anchor="end">${(maxV * f).toFixed(maxV < 10 ? 2 : 0)}</text>`,
    )
    .join('');
  const body =
    all.length === 0
      ? `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no samples recorded</text>`
      : drawn.join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`,
    ticks,
    `<text x="${L}" y="${H - B + 16}">0 s</text>`,
    `<text x="${W - R}" y="${H - B + 16}" text-anchor="end">${maxT.toFixed(1)} s</text>`,
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">time since first sample</text>`,
    `<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle">${esc(unit)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

/** What an engine hands back from a run, whichever it is: the verdict's inputs, charts and files. */
export interface Measured {
  /** The engine ran (false: it could not start, or the run was stopped before). */
  started: boolean;
  interrupted: boolean;
  /** Why the run could not be measured (setup failed, k6 or a worker died). */
  error?: string;
  thresholds: ThresholdResult[];
  values: ValuesOf;
  durationMs: number;
  throughput: SeriesPoint[];
  latency: ChartLine[];
  files: Record<string, string>;
  attachments: Array<{ name: string; contentType: string; path: string }>;
  peakRssBytes?: number;
  /** k6's own exit code (k6 engine only). */
  exitCode?: number | null;
}
