/**
 * k6 thresholds over a metrics snapshot: the same `options.thresholds` shape (selector → expressions), the same
 * expression syntax and the same statistic-per-type rules, so a k6 scenario's thresholds carry over verbatim.
 */
import { ExitCode, HarnessError } from '../../errors.js';
import {
  BUILTIN_METRICS,
  type MetricDecl,
  type MetricsSnapshot,
  type MetricType,
  type MetricValues,
  parseSelector,
  percentileOf,
  query,
} from './metrics.js';

export interface ThresholdExpr {
  /** 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' | 'p(N)' */
  stat: string;
  op: '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';
  value: number;
}

/** A threshold that cannot be evaluated: bad syntax, unknown metric, or a statistic its metric type lacks. */
export class ThresholdSyntaxError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GH_THRESHOLD', message, ExitCode.Usage, options);
  }
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
  /** The statistic the expression compares, with its measured value; absent when nothing was measured. */
  observed?: { stat: string; value: number };
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const EXPRESSION = new RegExp(
  String.raw`^\s*(avg|min|max|med|count|rate|value|p\(\s*(${NUMBER})\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(${NUMBER})\s*$`,
);
const EXPECTED =
  'expected "<stat> <op> <number>" with stat avg, min, med, max, p(N), count, rate or value ' +
  'and op <, <=, >, >=, ==, === or != (e.g. "p(95)<500")';

/** Statistics k6 accepts per metric type. */
const STATS: Record<MetricType, readonly string[]> = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'med', 'max', 'p(N)'],
};

const OPERATORS: Record<ThresholdExpr['op'], (observed: number, limit: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '===': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** Parses one k6 threshold expression (`p(95)<500`, `rate<0.01`, `p(99.9) < 1500`); the stat comes back canonical. */
export function parseThreshold(expr: string): ThresholdExpr {
  const m = EXPRESSION.exec(expr);
  if (!m) throw new ThresholdSyntaxError(`Threshold ${JSON.stringify(expr)} is malformed: ${EXPECTED}`);
  const [, word, pct, op, value] = m;
  if (pct !== undefined && !(Number(pct) >= 0 && Number(pct) <= 100))
    throw new ThresholdSyntaxError(`Threshold ${JSON.stringify(expr)}: p(N) needs N between 0 and 100`);
  const stat = pct === undefined ? word! : `p(${Number(pct)})`;
  return { stat, op: op as ThresholdExpr['op'], value: Number(value) };
}

/**
 * Checks every threshold against the metric declarations before a run starts, as k6 does at init: a typo must
 * not surface only after the load has been applied.
 */
export function validateThresholds(
  decls: Readonly<Record<string, MetricDecl>>,
  thresholds: Readonly<Record<string, readonly string[]>>,
): void {
  const known = { ...BUILTIN_METRICS, ...decls };
  for (const [selector, expressions] of Object.entries(thresholds)) {
    const type = metricTypeOf(selector, known);
    for (const expression of expressions) checkedThreshold(selector, type, expression);
  }
}

/**
 * Evaluates k6 thresholds, sorted by metric then expression. A selector that matched no series fails with no
 * `observed`: a load verdict must not pass on no data. k6 instead evaluates an empty metric at the end of a run
 * as zeros, so `p(95)<500` and `rate<0.01` pass a run that made no request. Counters keep k6's behaviour: no
 * sample is a measured count of 0, so `errors: ['count<10']` passes a run without errors (grafana/k6#1346).
 */
export function evaluateThresholds(
  snap: MetricsSnapshot,
  thresholds: Readonly<Record<string, readonly string[]>>,
  opts: { durationS: number },
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const [selector, expressions] of Object.entries(thresholds)) {
    const type = metricTypeOf(selector, snap.metrics);
    for (const expression of expressions)
      results.push(evaluate(snap, selector, type, expression, opts.durationS));
  }
  return results.sort((a, b) => compare(a.metric, b.metric) || compare(a.expression, b.expression));
}

/** One line for a report: "Threshold upload_mbps p(50)>20 failed: p(50) = 12.3" (or "…: no samples"). */
export function describeFailure(r: ThresholdResult): string {
  const what = r.observed ? `${r.observed.stat} = ${Number(r.observed.value.toPrecision(6))}` : 'no samples';
  return `Threshold ${r.metric} ${r.expression} ${r.ok ? 'passed' : 'failed'}: ${what}`;
}

function evaluate(
  snap: MetricsSnapshot,
  selector: string,
  type: MetricType,
  expression: string,
  durationS: number,
): ThresholdResult {
  const t = checkedThreshold(selector, type, expression);
  const value = observe(snap, selector, type, t.stat, durationS);
  if (value === undefined) return { metric: selector, expression, ok: false };
  return {
    metric: selector,
    expression,
    ok: OPERATORS[t.op](value, t.value),
    observed: { stat: t.stat, value },
  };
}

function metricTypeOf(selector: string, known: Readonly<Record<string, { type: MetricType }>>): MetricType {
  let name: string;
  try {
    name = parseSelector(selector).name;
  } catch (err) {
    throw new ThresholdSyntaxError(`Invalid threshold: ${(err as Error).message}`, { cause: err });
  }
  const metric = Object.hasOwn(known, name) ? known[name] : undefined;
  if (!metric)
    throw new ThresholdSyntaxError(
      `Threshold on ${selector}: no metric named ${name}; known: ${Object.keys(known).sort().join(', ')}`,
    );
  return metric.type;
}

function checkedThreshold(selector: string, type: MetricType, expression: string): ThresholdExpr {
  const t = parseThreshold(expression);
  const allowed = STATS[type];
  if (!allowed.includes(t.stat.startsWith('p(') ? 'p(N)' : t.stat))
    throw new ThresholdSyntaxError(
      `Threshold ${JSON.stringify(expression)} on ${selector}: ${t.stat} does not apply to a ${type}; use ${allowed.join(', ')}`,
    );
  return t;
}

function observe(
  snap: MetricsSnapshot,
  selector: string,
  type: MetricType,
  stat: string,
  durationS: number,
): number | undefined {
  if (stat.startsWith('p(')) return percentileOf(snap, selector, Number(stat.slice(2, -1)));
  const values =
    query(snap, selector, { durationS }) ?? (type === 'counter' ? { count: 0, rate: 0 } : undefined);
  return values?.[stat as keyof MetricValues];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
