import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUILTIN_METRICS,
  Metrics,
  type MetricsSnapshot,
  mergeSnapshots,
  parseSelector,
  percentileOf,
  query,
} from '../../src/load/engine/metrics.js';

/** Seeded generator (mulberry32): the same samples on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latency-like samples in ms, from 1 ms to ~20 s, rounded to 1/8 ms so that any split of them sums exactly. */
function latencies(n: number, seed = 1): number[] {
  const next = random(seed);
  return Array.from({ length: n }, () => Math.round(Math.exp(next() * next() * 10) * 8) / 8);
}

function nearestRank(sorted: readonly number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

const scenario = { upload_mbps: { type: 'trend' }, upload_failed: { type: 'rate' } } as const;
const D = { durationS: 10 };

describe('Metrics registry', () => {
  it('percentiles agree with the exact sorted-array percentiles within 0.1 %', () => {
    const values = latencies(100_000);
    const m = new Metrics({});
    for (const v of values) m.add('http_req_duration', v);
    const snap = m.snapshot();
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [1, 10, 50, 90, 95, 99, 99.9, 99.99]) {
      const got = percentileOf(snap, 'http_req_duration', p)!;
      const exact = nearestRank(sorted, p);
      assert.ok(Math.abs(got - exact) <= exact * 0.001, `p(${p}): ${got} vs exact ${exact}`);
    }
    const q = query(snap, 'http_req_duration', D)!;
    assert.equal(q.med, percentileOf(snap, 'http_req_duration', 50));
    assert.equal(q.min, sorted[0]);
    assert.equal(q.max, sorted.at(-1));
    assert.equal(percentileOf(snap, 'http_req_duration', 100), sorted.at(-1));
    assert.equal(q.count, values.length);
    assert.equal(q.avg, values.reduce((a, b) => a + b, 0) / values.length);
  });

  it('a percentile is the upper edge of its histogram bucket, so it reads at most 0.1 % high', () => {
    const m = new Metrics({});
    for (const v of [10, 12.3, 14]) m.add('http_req_duration', v);
    assert.equal(percentileOf(m.snapshot(), 'http_req_duration', 50), 12.303);
  });

  it('merging snapshots of split samples equals one registry that saw them all', () => {
    const values = latencies(20_000, 7);
    const all = new Metrics(scenario);
    const parts = [new Metrics(scenario), new Metrics(scenario), new Metrics(scenario)];
    values.forEach((v, i) => {
      const tags = { op: i % 2 ? 'create' : 'list' };
      for (const m of [all, parts[i % 3]!]) {
        m.add('http_req_duration', v, tags);
        m.add('http_reqs', 1, tags);
        m.add('upload_failed', v > 100);
      }
    });
    const whole = all.snapshot();
    const merged = mergeSnapshots(...parts.map((p) => p.snapshot()));
    for (const selector of [
      'http_req_duration',
      'http_req_duration{op:create}',
      'http_reqs',
      'upload_failed',
    ]) {
      assert.deepEqual(query(merged, selector, D), query(whole, selector, D), selector);
    }
    for (const p of [50, 99.9])
      assert.equal(percentileOf(merged, 'http_req_duration', p), percentileOf(whole, 'http_req_duration', p));
    const strip = (s: MetricsSnapshot) =>
      s.metrics.http_req_duration!.series.map(({ histogram: _, ...rest }) => rest);
    assert.deepEqual(strip(merged), strip(whole));
  });

  it('mergeSnapshots refuses a metric whose type differs between snapshots', () => {
    const a = new Metrics({ x: { type: 'counter' } }).snapshot();
    const b = new Metrics({ x: { type: 'gauge' } }).snapshot();
    assert.throws(() => mergeSnapshots(a, b), /Metric x is a counter in one snapshot and a gauge in another/);
  });

  it('tag selectors pick the series whose tags include every listed tag', () => {
    const m = new Metrics({});
    m.add('http_req_duration', 10, { op: 'create', status: '201' });
    m.add('http_req_duration', 20, { status: '500', op: 'create' });
    m.add('http_req_duration', 30, { op: 'list', status: '200' });
    const snap = m.snapshot();
    assert.equal(query(snap, 'http_req_duration', D)?.count, 3);
    assert.equal(query(snap, 'http_req_duration{op:create}', D)?.max, 20);
    assert.equal(query(snap, 'http_req_duration{ op : create , status : "500" }', D)?.min, 20);
    assert.equal(query(snap, 'http_req_duration{op:delete}', D), undefined);
    assert.equal(query(snap, 'nope', D), undefined);
    assert.deepEqual(
      snap.metrics.http_req_duration!.series.map((s) => s.tags),
      [
        { op: 'create', status: '201' },
        { op: 'create', status: '500' },
        { op: 'list', status: '200' },
      ],
    );
  });

  it('k6 values per type: counter count and rate over the duration, rate passes/fails, gauge value', () => {
    const m = new Metrics(scenario);
    m.add('data_sent', 1000);
    m.add('data_sent', 500);
    for (const ok of [true, false, 1, 0, 3]) m.add('upload_failed', ok);
    m.add('vus', 4);
    m.add('vus', 2);
    const snap = m.snapshot();
    assert.deepEqual(query(snap, 'data_sent', { durationS: 30 }), { count: 1500, rate: 50 });
    assert.deepEqual(query(snap, 'upload_failed', D), { rate: 0.6, passes: 3, fails: 2 });
    assert.deepEqual(query(snap, 'vus', D), { value: 2, min: 2, max: 4 });
    assert.equal(snap.metrics.data_sent?.contains, 'data');
    assert.equal(snap.metrics.http_req_duration?.contains, 'time');
  });

  it('gauges merge to the highest value', () => {
    const a = new Metrics({});
    const b = new Metrics({});
    a.add('vus', 7);
    b.add('vus', 3);
    assert.equal(query(mergeSnapshots(a.snapshot(), b.snapshot()), 'vus', D)?.value, 7);
    assert.equal(query(mergeSnapshots(b.snapshot(), a.snapshot()), 'vus', D)?.value, 7);
  });

  it('NaN and Infinity are dropped; negative trend values stay exact in min/sum and count as 0 in percentiles', () => {
    const m = new Metrics(scenario);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, 5]) m.add('upload_mbps', v);
    m.add('upload_mbps', -1);
    const q = query(m.snapshot(), 'upload_mbps', D)!;
    assert.equal(q.count, 2);
    assert.equal(q.avg, 2);
    assert.equal(q.min, -1);
    assert.equal(q.med, 0);
  });

  it('unknown or malformed names are errors that name them', () => {
    const m = new Metrics({});
    assert.throws(() => m.add('upload_mbsp', 1), /Unknown metric "upload_mbsp"/);
    assert.throws(
      () => new Metrics({ 'bad-name': { type: 'counter' } }),
      /Metric name "bad-name" is invalid/,
    );
    assert.throws(() => new Metrics({ vus: { type: 'counter' } }), /vus is built in as a gauge/);
    assert.throws(() => percentileOf(m.snapshot(), 'vus', 50), /vus is a gauge/);
    assert.throws(() => percentileOf(m.snapshot(), 'http_req_duration', 101), RangeError);
  });

  it('parseSelector reads k6 selectors and rejects malformed ones', () => {
    assert.deepEqual(parseSelector('checks'), { name: 'checks', tags: {} });
    assert.deepEqual(parseSelector("checks{kind:'integrity', op:a:b}"), {
      name: 'checks',
      tags: { kind: 'integrity', op: 'a:b' },
    });
    for (const bad of [
      '',
      'checks{',
      'checks}',
      'checks{}',
      'checks{kind}',
      'checks{:x}',
      'checks{a:1,a:2}',
      'a b',
    ]) {
      assert.throws(() => parseSelector(bad), /metric selector/i, bad);
    }
  });

  it('snapshots are JSON: a round trip changes nothing, and key order is deterministic', () => {
    const m = new Metrics(scenario);
    m.add('upload_mbps', 12.5, { size: '1G' });
    m.add('upload_failed', false);
    m.add('vus', 1);
    const snap = m.snapshot();
    const copy = JSON.parse(JSON.stringify(snap)) as MetricsSnapshot;
    assert.deepEqual(copy, snap);
    assert.deepEqual(query(copy, 'upload_mbps', D), query(snap, 'upload_mbps', D));
    assert.equal(JSON.stringify(m.snapshot()), JSON.stringify(snap));
    assert.deepEqual(Object.keys(snap.metrics), Object.keys({ ...BUILTIN_METRICS, ...scenario }).sort());
    assert.deepEqual(Object.keys(snap.metrics.vus!.series[0]!), [
      'tags',
      'count',
      'sum',
      'min',
      'max',
      'value',
    ]);
  });

  it('drain returns the values so far and starts the next interval empty', () => {
    const m = new Metrics({});
    m.add('iterations', 1);
    assert.equal(query(m.drain(), 'iterations', D)?.count, 1);
    assert.equal(query(m.snapshot(), 'iterations', D), undefined);
    assert.deepEqual(m.snapshot().metrics.iterations, { type: 'counter', series: [] });
  });

  it('a snapshot of a million trend values stays small: its size depends on the spread, not the count', () => {
    const sizeOf = (sample: () => number) => {
      const m = new Metrics({});
      for (let i = 0; i < 1_000_000; i++) m.add('http_req_duration', sample());
      return JSON.stringify(m.snapshot()).length;
    };
    const next = random(3);
    const typical = sizeOf(() => 80 + 40 * (next() + next() + next()));
    const widest = sizeOf(() => Math.exp(next() * next() * 10));
    assert.ok(typical < 8 * 1024, `80-200 ms: ${typical} bytes`);
    assert.ok(widest < 32 * 1024, `1 ms to 22 s at µs resolution: ${widest} bytes`);
  });
});
