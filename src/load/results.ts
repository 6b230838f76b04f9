import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { CheckResult } from '../report/summary.js';
import { KEY_METRICS, SCENARIO_METRICS, type ScenarioName } from './contract.js';

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

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
  /** The statistic the expression compares, with its measured value, when k6 reported it. */
  observed?: { stat: string; value: number };
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

/**
 * The run's checks: one per k6 threshold (the verdict), or in smoke mode (thresholds off) the
 * correctness facts that still must hold: iterations ran, none failed, every k6 check passed.
 */
export function checksOf(scenario: ScenarioName, summary: K6Summary, smoke: boolean): CheckResult[] {
  const suite = `load › ${scenario}`;
  const tags = ['@load', `@${scenario}`];
  const base = { suite, tags, durationMs: Math.round(summary.state?.testRunDurationMs ?? 0) };
  if (!smoke) {
    const seen = new Map<string, number>();
    return thresholdsOf(summary).map((t) => {
      const slug = metricSlug(t.metric);
      const n = (seen.get(slug) ?? 0) + 1;
      seen.set(slug, n);
      const obs = t.observed ? `${t.observed.stat} = ${round(t.observed.value)}` : 'no value recorded';
      return {
        ...base,
        id: `load.${scenario}.${slug}${n > 1 ? `.${n}` : ''}`,
        title: `${t.metric} ${t.expression}`,
        status: t.ok ? 'passed' : 'failed',
        ...(t.ok ? {} : { error: `Threshold ${t.metric} ${t.expression} failed: ${obs}` }),
      };
    });
  }
  const m = summary.metrics;
  const iterations = m.iterations?.values.count ?? 0;
  const failure = SCENARIO_METRICS[scenario].failure;
  const failRate = m[failure]?.values.rate;
  const out: CheckResult[] = [
    {
      ...base,
      id: `load.${scenario}.smoke.iterations`,
      title: 'smoke: at least one iteration completed',
      status: iterations >= 1 ? 'passed' : 'failed',
      ...(iterations >= 1 ? {} : { error: 'k6 completed no iteration' }),
    },
    {
      ...base,
      id: `load.${scenario}.smoke.failures`,
      title: `smoke: ${failure} is 0`,
      status: failRate === 0 ? 'passed' : 'failed',
      ...(failRate === 0
        ? {}
        : {
            error:
              failRate === undefined
                ? `${failure} was never recorded`
                : `${failure} rate = ${round(failRate)}`,
          }),
    },
  ];
  const checks = m.checks?.values;
  if (checks) {
    const ok = checks.rate === 1;
    out.push({
      ...base,
      id: `load.${scenario}.smoke.checks`,
      title: 'smoke: every k6 check passed',
      status: ok ? 'passed' : 'failed',
      ...(ok
        ? {}
        : {
            error: `${checks.fails ?? '?'} of ${(checks.passes ?? 0) + (checks.fails ?? 0)} k6 checks failed`,
          }),
    });
  }
  return out;
}

/** The key metrics' values for summary.json, rounded. */
export function keyMetrics(summary: K6Summary): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const name of KEY_METRICS) {
    const m = summary.metrics[name];
    if (!m) continue;
    out[name] = Object.fromEntries(Object.entries(m.values).map(([k, v]) => [k, round(v)]));
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
 * or for churn, Glance requests per second (the harness's own token and setup calls left out).
 */
export async function throughputSeries(path: string, scenario: ScenarioName): Promise<SeriesPoint[]> {
  if (!existsSync(path)) return [];
  const metric = SCENARIO_METRICS[scenario].throughput;
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

/** A small self-contained SVG line chart of the series (for Allure and the k6 report folder). */
export function throughputSvg(series: readonly SeriesPoint[], title: string, unit: string): string {
  const W = 720;
  const H = 320;
  const L = 60;
  const B = 40;
  const T = 30;
  const R = 20;
  const maxT = Math.max(1, ...series.map((p) => p.t));
  const maxV = Math.max(1e-9, ...series.map((p) => p.value)) * 1.1;
  const x = (t: number): number => L + (t / maxT) * (W - L - R);
  const y = (v: number): number => H - B - (v / maxV) * (H - B - T);
  const path = series
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(' ');
  const dots = series
    .map((p) => `<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5"/>`)
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${L - 6}" y="${y(maxV * f) + 4}" text-anchor="end">${(maxV * f).toFixed(maxV < 10 ? 2 : 0)}</text>`,
    )
    .join('');
  const body =
    series.length === 0
      ? `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no samples recorded</text>`
      : `<path d="${path}" fill="none" stroke="#3366cc" stroke-width="1.5"/><g fill="#3366cc">${dots}</g>`;
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
