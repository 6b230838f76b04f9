import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '../../src/load/engine/metrics.js';
import {
  describeFailure,
  evaluateThresholds,
  parseThreshold,
  ThresholdSyntaxError,
  validateThresholds,
} from '../../src/load/engine/thresholds.js';

const decls = {
  upload_mbps: { type: 'trend' },
  upload_failed: { type: 'rate' },
  errors: { type: 'counter' },
} as const;
const D = { durationS: 10 };

function run(): Metrics {
  const m = new Metrics(decls);
  for (const v of [100, 200, 300, 400]) m.add('http_req_duration', v, { op: v < 300 ? 'create' : 'list' });
  // Below 2.048 the histogram is exact (one bucket per thousandth), so percentiles read back unchanged.
  for (const v of [1, 1.5, 2]) m.add('upload_mbps', v);
  for (let i = 0; i < 50; i++) m.add('http_reqs', 1);
  m.add('vus', 5);
  m.add('checks', true);
  return m;
}

function verdicts(thresholds: Record<string, string[]>): [string, boolean][] {
  return evaluateThresholds(run().snapshot(), thresholds, D).map((r) => [
    `${r.metric} ${r.expression}`,
    r.ok,
  ]);
}

describe('k6 threshold expressions', () => {
  it('parses k6 syntax, whitespace allowed, with a canonical stat', () => {
    assert.deepEqual(parseThreshold('p(95)<500'), { stat: 'p(95)', op: '<', value: 500 });
    assert.deepEqual(parseThreshold(' p( 99.9 ) <  1500 '), { stat: 'p(99.9)', op: '<', value: 1500 });
    assert.deepEqual(parseThreshold('p(95.0)<=1e3'), { stat: 'p(95)', op: '<=', value: 1000 });
    assert.deepEqual(parseThreshold('rate<0.01'), { stat: 'rate', op: '<', value: 0.01 });
    assert.deepEqual(parseThreshold('count>0'), { stat: 'count', op: '>', value: 0 });
    assert.deepEqual(parseThreshold('rate===1'), { stat: 'rate', op: '===', value: 1 });
    assert.deepEqual(parseThreshold('avg!=-2.5'), { stat: 'avg', op: '!=', value: -2.5 });
  });

  it('anything else is a ThresholdSyntaxError quoting the expression and saying what was expected', () => {
    for (const bad of ['p95<500', 'p(95)<', 'rate =< 1', 'avg<abc', '', 'mean<1', 'rate<0.01 ms', 'p()<1']) {
      assert.throws(
        () => parseThreshold(bad),
        (err: Error) =>
          err instanceof ThresholdSyntaxError &&
          err.message.includes(JSON.stringify(bad)) &&
          err.message.includes('expected "<stat> <op> <number>"') &&
          !err.message.includes('\n'),
        bad,
      );
    }
    assert.throws(() => parseThreshold('p(101)<1'), /p\(N\) needs N between 0 and 100/);
  });

  it('every operator compares the observed statistic with the limit', () => {
    assert.deepEqual(
      verdicts({ vus: ['value<5', 'value<=5', 'value>5', 'value>=5', 'value==5', 'value===5', 'value!=5'] }),
      [
        ['vus value!=5', false],
        ['vus value<5', false],
        ['vus value<=5', true],
        ['vus value==5', true],
        ['vus value===5', true],
        ['vus value>5', false],
        ['vus value>=5', true],
      ],
    );
  });

  it('k6 statistics per type: trend percentiles and avg, counter count and rate over the duration, rate', () => {
    assert.deepEqual(
      verdicts({
        upload_mbps: ['p(50)>20', 'avg<1.6', 'min==1', 'max==2', 'med==1.5'],
        http_reqs: ['count==50', 'rate==5'],
        checks: ['rate==1'],
        'http_req_duration{op:create}': ['p(100)==200'],
      }),
      [
        ['checks rate==1', true],
        ['http_req_duration{op:create} p(100)==200', true],
        ['http_reqs count==50', true],
        ['http_reqs rate==5', true],
        ['upload_mbps avg<1.6', true],
        ['upload_mbps max==2', true],
        ['upload_mbps med==1.5', true],
        ['upload_mbps min==1', true],
        ['upload_mbps p(50)>20', false],
      ],
    );
  });

  it('a failed threshold reports the observed statistic', () => {
    const [r] = evaluateThresholds(run().snapshot(), { upload_mbps: ['p(50)>20'] }, D);
    assert.deepEqual(r, {
      metric: 'upload_mbps',
      expression: 'p(50)>20',
      ok: false,
      observed: { stat: 'p(50)', value: 1.5 },
    });
    assert.equal(describeFailure(r!), 'Threshold upload_mbps p(50)>20 failed: p(50) = 1.5');
  });

  it('no samples fails trends, rates and gauges, but a counter with no sample counts 0', () => {
    const results = evaluateThresholds(
      new Metrics(decls).snapshot(),
      { upload_mbps: ['p(95)<500'], upload_failed: ['rate<0.01'], vus: ['value<100'], errors: ['count<10'] },
      D,
    );
    assert.deepEqual(
      results.map((r) => [r.metric, r.ok, r.observed]),
      [
        ['errors', true, { stat: 'count', value: 0 }],
        ['upload_failed', false, undefined],
        ['upload_mbps', false, undefined],
        ['vus', false, undefined],
      ],
    );
    assert.equal(describeFailure(results[2]!), 'Threshold upload_mbps p(95)<500 failed: no samples');
  });

  it('a statistic the metric type lacks is a ThresholdSyntaxError naming metric and stat', () => {
    const snap = run().snapshot();
    const cases: [string, string, RegExp][] = [
      ['http_req_duration', 'rate<1', /on http_req_duration: rate does not apply to a trend/],
      ['http_req_duration', 'count>1', /count does not apply to a trend/],
      ['http_reqs', 'p(95)<1', /on http_reqs: p\(95\) does not apply to a counter; use count, rate/],
      ['checks', 'count>1', /on checks: count does not apply to a rate/],
      ['vus', 'max<1', /on vus: max does not apply to a gauge; use value/],
    ];
    for (const [selector, expr, message] of cases) {
      assert.throws(() => evaluateThresholds(snap, { [selector]: [expr] }, D), message);
      assert.throws(() => evaluateThresholds(snap, { [selector]: [expr] }, D), ThresholdSyntaxError);
    }
  });

  it('an unknown metric or malformed selector is a ThresholdSyntaxError', () => {
    const snap = run().snapshot();
    assert.throws(
      () => evaluateThresholds(snap, { upload_mbsp: ['avg<1'] }, D),
      /no metric named upload_mbsp/,
    );
    assert.throws(() => evaluateThresholds(snap, { 'checks{kind': ['rate>0'] }, D), ThresholdSyntaxError);
  });

  it('validateThresholds checks thresholds against declarations before a run', () => {
    assert.doesNotThrow(() =>
      validateThresholds(decls, { upload_mbps: ['p(95)>1'], http_req_failed: ['rate<0.01'] }),
    );
    assert.throws(
      () => validateThresholds(decls, { upload_failed: ['p(95)<1'] }),
      /p\(95\) does not apply to a rate/,
    );
    assert.throws(() => validateThresholds({}, { upload_mbps: ['p(95)<1'] }), /no metric named upload_mbps/);
  });
});
