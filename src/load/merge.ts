// `glance-harness load merge DIR…`: the segments of one load profile, run by several processes or
// machines, judged as one run. HDR histograms and counters merge exactly, so the percentiles and
// rates of the merged summary are those of the whole load, and the thresholds are evaluated again.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { ExitCode, InputError } from '../errors.js';
import type { CheckResult, LoadSection, Summary, TargetInfo } from '../report/summary.js';
import { type Reporter, RunEnvelope, type RunOutcome } from '../run/envelope.js';
import { TOOL_VERSION } from '../run/version.js';
import { mergeSnapshots, query } from './engine/metrics.js';
import type { SeriesPoint } from './engine/runner.js';
import { evaluateThresholds } from './engine/thresholds.js';
import { latencyLines, line } from './harness-engine.js';
import { KEY_BUILTINS, keyMetrics, lineChartSvg, loadChecks, throughputSvg } from './results.js';
import { readSegmentResults, type SegmentResults } from './segment-results.js';

export interface MergeOptions {
  dirs: readonly string[];
  config: ResolvedConfig;
  log(line: string): void;
  reporters: readonly Reporter[];
  color: boolean;
}

/** The parts must be shares of one profile: same scenario, profile and split, each share once. */
export function checkParts(parts: ReadonlyArray<{ dir: string; r: SegmentResults }>): void {
  const first = parts[0];
  if (!first) throw new InputError('load merge needs at least one run directory');
  const profile = JSON.stringify(first.r.profile);
  const count = first.r.segment?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { dir, r } of parts) {
    if (r.scenario !== first.r.scenario)
      throw new InputError(`${dir}: scenario ${r.scenario}, but ${first.dir} ran ${first.r.scenario}`);
    if (JSON.stringify(r.profile) !== profile)
      throw new InputError(`${dir}: another load profile than ${first.dir} (${JSON.stringify(r.profile)})`);
    if ((r.segment?.count ?? 1) !== count)
      throw new InputError(`${dir}: split ${r.segment?.count ?? 1} ways, but ${first.dir} ${count} ways`);
    const index = r.segment?.index ?? 1;
    const twin = seen.get(index);
    if (twin) throw new InputError(`${dir}: segment ${index}/${count} again (also in ${twin})`);
    seen.set(index, dir);
  }
}

/** Every point of every part on one clock: seconds since the earliest start. */
function mergedSeries(parts: readonly SegmentResults[], t0: number): SeriesPoint[] {
  return parts
    .flatMap((p) => p.series.map((s) => ({ ...s, t: s.t + (p.startedAt - t0) / 1000 })))
    .sort((a, b) => a.t - b.t);
}

/** The target the first part's own summary names, when it is there to read. */
function targetOf(dir: string): TargetInfo | undefined {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as Summary).target;
  } catch {
    return undefined;
  }
}

export async function mergeLoad(o: MergeOptions): Promise<RunOutcome> {
  const parts = o.dirs.map((dir) => ({ dir, r: readSegmentResults(dir) }));
  checkParts(parts);
  const results = parts.map((p) => p.r);
  const first = results[0]!;
  const t0 = Math.min(...results.map((r) => r.startedAt));
  const end = Math.max(...results.map((r) => r.startedAt + r.durationS * 1000));
  const durationS = Math.max(0.001, (end - t0) / 1000);
  const snapshot = mergeSnapshots(...results.map((r) => r.snapshot));
  const opts = { durationS };
  const thresholds = evaluateThresholds(snapshot, first.thresholds, opts);
  const values = (sel: string) => query(snapshot, sel, opts);
  const count = first.segment?.count ?? 1;
  const env = new RunEnvelope({
    config: o.config,
    targetKind: 'configured',
    selection: { suites: [`load:${first.scenario}`], readOnly: false },
    log: o.log,
    reporters: o.reporters,
    color: o.color,
  });
  const target = targetOf(parts[0]!.dir);
  if (target) env.info = target;
  const loadDir = join(env.runDir, 'load');
  mkdirSync(loadDir, { recursive: true });
  const checks: CheckResult[] = loadChecks({
    scenario: first.scenario,
    failureMetric: first.failureMetric,
    thresholds,
    values,
    durationMs: durationS * 1000,
    smoke: first.smoke,
  });
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter(
    (i) => !results.some((r) => (r.segment?.index ?? 1) === i),
  );
  checks.push({
    id: `load.${first.scenario}.segments`,
    title: `every segment of ${count} merged`,
    suite: `load › ${first.scenario}`,
    tags: ['@load', `@${first.scenario}`],
    durationMs: 0,
    status: missing.length === 0 ? 'passed' : 'failed',
    ...(missing.length
      ? { error: `segment(s) ${missing.map((i) => `${i}/${count}`).join(', ')} missing` }
      : {}),
  });
  const series = mergedSeries(results, t0);
  const chart = join(loadDir, 'throughput.svg');
  writeFileSync(
    chart,
    throughputSvg(
      line(series, 'throughput'),
      `${first.scenario}: ${first.chart.unit} (merged)`,
      first.chart.unit,
    ),
  );
  const latencyChart = join(loadDir, 'latency.svg');
  writeFileSync(
    latencyChart,
    lineChartSvg(latencyLines(series), `${first.scenario}: request latency (merged)`, 'ms'),
  );
  const mergedFile = join(loadDir, 'results.json');
  writeFileSync(
    mergedFile,
    `${JSON.stringify({ ...first, segment: undefined, startedAt: t0, durationS, snapshot, series })}\n`,
  );
  const load: LoadSection = {
    scenario: first.scenario,
    smoke: first.smoke,
    engine: { name: 'harness', version: TOOL_VERSION },
    options: Object.fromEntries(Object.entries(first.profile).filter((e) => typeof e[1] === 'number')),
    executor: first.executor.type,
    merged: parts.map(({ dir, r }) => ({ index: r.segment?.index ?? 1, count, runDir: dir })),
    thresholds,
    metrics: keyMetrics(values, [
      ...Object.keys(first.thresholds),
      first.failureMetric,
      first.chart.metric,
      ...KEY_BUILTINS,
    ]),
    files: { results: mergedFile, chart, latencyChart },
  };
  const failed = checks.filter((c) => c.status === 'failed');
  o.log(
    `Merged ${parts.length} segment(s) of ${first.scenario} over ${durationS.toFixed(1)} s: ` +
      `${values('iterations')?.count ?? 0} iteration(s), ${thresholds.length} threshold(s) evaluated again`,
  );
  return env.finish({
    exitCode: failed.length ? ExitCode.CheckFailed : ExitCode.Ok,
    outcome: failed.length ? 'failed' : 'ok',
    ...(failed.length ? { message: failed.map((c) => c.error ?? c.title).join('; ') } : {}),
    checks,
    reports: { load: loadDir },
    load,
  });
}
