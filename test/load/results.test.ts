import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  type K6Summary,
  k6Values,
  lineChartSvg,
  loadChecks,
  metricSlug,
  readK6Summary,
  thresholdStat,
  thresholdsOf,
  throughputSeries,
  throughputSvg,
} from '../../src/load/results.js';
import { junitXml } from '../../src/report/junit.js';
import { totals } from '../../src/report/results.js';
import type { LoadSection } from '../../src/report/summary.js';

const work = mkdtempSync(join(tmpdir(), 'gh-load-results-'));
after(() => rmSync(work, { recursive: true, force: true }));

const summary: K6Summary = {
  state: { testRunDurationMs: 1234 },
  metrics: {
    upload_mbps: {
      type: 'trend',
      values: { med: 12.5, 'p(90)': 20 },
      thresholds: { 'p(50)>20': { ok: false } },
    },
    upload_failed: { type: 'rate', values: { rate: 0 }, thresholds: { 'rate<0.01': { ok: true } } },
    'http_req_duration{op:create}': {
      type: 'trend',
      values: { 'p(95)': 80 },
      thresholds: { 'p(95)<1000': { ok: true } },
    },
    iterations: { type: 'counter', values: { count: 3 } },
    checks: { type: 'rate', values: { rate: 1, passes: 9, fails: 0 } },
  },
};

/** The checks of a k6 summary, as runLoad makes them for `--engine k6`. */
function checksOf(scenario: string, k6: K6Summary, smoke: boolean) {
  const failureMetric = scenario === 'download' ? 'download_failed' : 'upload_failed';
  return loadChecks({
    scenario,
    failureMetric,
    thresholds: thresholdsOf(k6),
    values: k6Values(k6),
    durationMs: k6.state?.testRunDurationMs ?? 0,
    smoke,
  });
}

describe('k6 summary → checks', () => {
  it('one check per threshold; a failed one names the observed statistic', () => {
    const checks = checksOf('large-upload', summary, false);
    assert.deepEqual(
      checks.map((c) => [c.id, c.status]),
      [
        ['load.large-upload.http_req_duration.op-create', 'passed'],
        ['load.large-upload.upload_failed', 'passed'],
        ['load.large-upload.upload_mbps', 'failed'],
      ],
    );
    assert.equal(checks[2]?.error, 'Threshold upload_mbps p(50)>20 failed: p(50) = 12.5');
  });

  it('smoke mode: iterations ran, failure rate 0 and every k6 check passed', () => {
    assert.ok(checksOf('large-upload', summary, true).every((c) => c.status === 'passed'));
    const broken: K6Summary = {
      metrics: {
        iterations: { type: 'counter', values: { count: 0 } },
        checks: { type: 'rate', values: { rate: 0.5, passes: 1, fails: 1 } },
      },
    };
    const checks = checksOf('download', broken, true);
    assert.deepEqual(
      checks.map((c) => [c.id, c.status, c.error]),
      [
        ['load.download.smoke.iterations', 'failed', 'no iteration completed'],
        ['load.download.smoke.failures', 'failed', 'download_failed was never recorded'],
        ['load.download.smoke.checks', 'failed', '1 of 2 checks failed'],
      ],
    );
  });

  it('thresholdStat and metricSlug', () => {
    assert.equal(thresholdStat('p(95)<500'), 'p(95)');
    assert.equal(thresholdStat('rate==1'), 'rate');
    assert.equal(thresholdStat('count < 1'), 'count');
    assert.equal(metricSlug('checks{kind:integrity}'), 'checks.kind-integrity');
    assert.equal(thresholdsOf(summary).length, 3);
  });

  it('readK6Summary explains a missing or malformed file', () => {
    assert.match(readK6Summary(join(work, 'none.json')) as string, /k6 wrote no summary/);
    writeFileSync(join(work, 'bad.json'), '{');
    assert.match(readK6Summary(join(work, 'bad.json')) as string, /not JSON/);
    writeFileSync(join(work, 'empty.json'), '{}');
    assert.match(readK6Summary(join(work, 'empty.json')) as string, /no "metrics" object/);
  });

  it('JUnit: a testcase per check, failures carry the message, XML escaped', () => {
    const load = { scenario: 'large-upload' } as LoadSection;
    const checks = checksOf('large-upload', summary, false);
    const xml = junitXml({ checks, totals: totals(checks), outcome: 'failed', durationMs: 1234, load });
    assert.match(
      xml,
      /<testsuite name="load\.large-upload" tests="3" failures="1" errors="0" skipped="0" time="1\.234">/,
    );
    assert.match(
      xml,
      /<testcase name="load\.large-upload\.upload_mbps" classname="glance-harness\.load\.large-upload"/,
    );
    assert.match(xml, /<failure message="Threshold upload_mbps p\(50\)&gt;20 failed: p\(50\) = 12.5"/);
    const broken = junitXml({
      checks: [],
      totals: totals([]),
      outcome: 'runner-error',
      durationMs: 1,
      message: 'k6 exited 107: "a" <b>',
      load,
    });
    assert.match(broken, /tests="1" failures="0" errors="1"/);
    assert.match(
      broken,
      /<testcase name="run"[^>]*>\n\s*<error message="k6 exited 107: &quot;a&quot; &lt;b&gt;"/,
    );
  });
});

describe('throughput chart', () => {
  it('reads MB/s samples from gzipped NDJSON, leaving out the harness token calls', async () => {
    const lines = [
      { type: 'Metric', metric: 'upload_mbps', data: {} },
      {
        type: 'Point',
        metric: 'upload_mbps',
        data: { time: '2026-11-22T00:00:00.000Z', value: 100, tags: {} },
      },
      {
        type: 'Point',
        metric: 'upload_mbps',
        data: { time: '2026-11-22T00:00:02.000Z', value: 80, tags: {} },
      },
      {
        type: 'Point',
        metric: 'http_reqs',
        data: { time: '2026-11-22T00:00:01.000Z', value: 1, tags: { op: 'token' } },
      },
    ];
    const file = join(work, 'points.ndjson.gz');
    writeFileSync(file, gzipSync(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`));
    assert.deepEqual(await throughputSeries(file, 'upload_mbps'), [
      { t: 0, value: 100 },
      { t: 2, value: 80 },
    ]);
    assert.deepEqual(await throughputSeries(file, 'download_mbps'), []);
    const svg = throughputSvg(
      [
        { t: 0, value: 100 },
        { t: 2, value: 80 },
      ],
      'up <1>',
      'MB/s',
    );
    assert.match(svg, /^<svg xmlns/);
    assert.match(svg, /up &lt;1&gt;/);
    assert.equal((svg.match(/<circle /g) ?? []).length, 2);
    const two = lineChartSvg(
      [
        { label: 'p(95)', points: [{ t: 0, value: 9 }] },
        { label: 'med', points: [{ t: 0, value: 3 }] },
      ],
      'latency',
      'ms',
    );
    assert.match(two, />p\(95\)<\/text>.*>med<\/text>/s);
    writeFileSync(join(work, 'c.svg'), throughputSvg([], 't', 'u'));
    assert.match(readFileSync(join(work, 'c.svg'), 'utf8'), /no samples recorded/);
  });
});
