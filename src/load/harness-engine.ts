// The default engine: the scenario's iteration in worker threads (src/load/engine/), judged by its
// thresholds on the HDR-merged metrics. Writes the segment's results file that `load merge` reads.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunService } from '../run/service.js';
import { segmentSlice, vusOf } from './engine/executors.js';
import { query } from './engine/metrics.js';
import { type EngineOptions, type SeriesPoint as EnginePoint, runEngine } from './engine/runner.js';
import { evaluateThresholds } from './engine/thresholds.js';
import { peakRssOf } from './memory.js';
import type { ChartLine, Measured, SeriesPoint } from './results.js';
import { writeSegmentResults } from './segment-results.js';

/** The engine's options, with the run service whole (its URL and key go to the workers) and the run dir. */
export type HarnessRunOptions = Omit<EngineOptions, 'service'> & {
  service: RunService;
  runDir: string;
};

/** The per-second points of one field, for a chart line. */
export function line(
  points: readonly EnginePoint[],
  field: 'throughput' | 'latencyMed' | 'latencyP95',
): SeriesPoint[] {
  return points.flatMap((p) => (p[field] === undefined ? [] : [{ t: p.t, value: p[field] }]));
}

export function latencyLines(points: readonly EnginePoint[]): ChartLine[] {
  return [
    { label: 'http_req_duration p(95)', points: line(points, 'latencyP95') },
    { label: 'http_req_duration med', points: line(points, 'latencyMed') },
  ];
}

export async function runHarness(o: HarnessRunOptions): Promise<Measured> {
  const startedAt = Date.now();
  const { runDir: _dir, service, ...engine } = o;
  const r = await runEngine({ ...engine, service: { url: service.url, key: service.key } });
  const thresholds = o.scenario.thresholds(o.profile);
  const resultsFile = writeSegmentResults(o.runDir, {
    version: 1,
    scenario: o.scenario.name,
    runId: o.run.id,
    smoke: o.run.smoke,
    profile: o.profile,
    executor: o.executor,
    ...(o.segment ? { segment: o.segment } : {}),
    thresholds,
    failureMetric: o.scenario.failureMetric,
    chart: o.scenario.chart,
    startedAt,
    durationS: r.durationS,
    snapshot: r.snapshot,
    series: r.series,
  });
  const opts = { durationS: r.durationS };
  const stat = (sel: string, s: string, digits = 1): string => {
    const v = query(r.snapshot, sel, opts)?.[s as 'count'];
    return typeof v === 'number' ? v.toFixed(digits) : 'n/a';
  };
  for (const l of o.scenario.summaryLines(stat, o.profile)) o.log(l);
  const rss = peakRssOf('self');
  o.log(
    `Engine: ${r.threads} worker thread(s)` +
      `${o.segment ? ` for ${vusOf(o.executor, segmentSlice(o.segment))} of ${o.profile.vus} VU(s) (segment ${o.segment.index}/${o.segment.count})` : ''}` +
      `, peak RSS ${rss ? `${(rss / 2 ** 20).toFixed(0)} MiB` : 'unknown'}`,
  );
  const files = { results: resultsFile };
  const seriesFile = join(o.runDir, 'load', 'series.json');
  writeFileSync(seriesFile, `${JSON.stringify(r.series)}\n`);
  return {
    started: true,
    interrupted: r.interrupted,
    ...(r.error ? { error: r.error } : {}),
    thresholds: evaluateThresholds(r.snapshot, thresholds, opts),
    values: (sel) => query(r.snapshot, sel, opts),
    durationMs: r.durationS * 1000,
    throughput: line(r.series, 'throughput'),
    latency: latencyLines(r.series),
    files: { ...files, series: seriesFile },
    attachments: [{ name: 'load results (HDR)', contentType: 'application/json', path: resultsFile }],
    ...(rss !== undefined ? { peakRssBytes: rss } : {}),
  };
}
