import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schemas } from '../../src/validate.js';
import { sampleSummary, unreachableSummary } from './sample.js';

describe('schemas/harness/summary.json', () => {
  const reg = schemas();

  it('accepts a run with a check of every status and a load section', () => {
    const s = sampleSummary();
    assert.deepEqual([...new Set(s.checks.map((c) => c.status))].sort(), [
      'blocked',
      'failed',
      'passed',
      'skipped',
    ]);
    assert.deepEqual(reg.validate('harness/summary', s), { valid: true, errors: [] });
    const load = {
      ...s,
      load: {
        scenario: 'download',
        smoke: true,
        engine: { name: 'k6', version: 'v1.4.0', peakRssBytes: 1 },
        k6: { version: 'v1.4.0', path: '/usr/bin/k6', exitCode: null },
        options: { vus: 4, durationS: 3 },
        executor: 'shared-iterations',
        merged: [{ index: 1, count: 2, runDir: '/r/a' }],
        thresholds: [
          {
            metric: 'download_mbps',
            expression: 'p(50)>20',
            ok: false,
            observed: { stat: 'p(50)', value: 12 },
          },
        ],
        metrics: { download_mbps: { med: 12 } },
        files: {},
      },
    };
    assert.deepEqual(reg.validate('harness/summary', load), { valid: true, errors: [] });
  });

  it('accepts expected failures: their statuses, the matched entry, the counts and the expectations section', () => {
    const s = sampleSummary();
    const entry = {
      index: 0,
      id: s.checks[1]!.id,
      reason: 'upstream bug',
      bug: 'https://bugs.launchpad.net/glance/+bug/1',
    };
    const withExpectations = {
      ...s,
      checks: [
        {
          ...s.checks[0]!,
          status: 'unexpected-pass',
          expectation: { ...entry, index: 1, id: s.checks[0]!.id },
        },
        { ...s.checks[1]!, status: 'expected-fail', expectation: entry },
      ],
      totals: { total: 2, passed: 0, failed: 0, skipped: 0, blocked: 0, expectedFail: 1, unexpectedPass: 1 },
      expectations: {
        file: 'known.yaml',
        strict: false,
        entries: 3,
        inScope: 2,
        stale: [{ index: 2, id: 'x.*', reason: 'r' }],
      },
    };
    assert.deepEqual(reg.validate('harness/summary', withExpectations), { valid: true, errors: [] });
    const noReason = {
      ...withExpectations,
      checks: [{ ...s.checks[1]!, status: 'expected-fail', expectation: { index: 0, id: 'a' } }],
    };
    assert.deepEqual(reg.validate('harness/summary', noReason).errors, [
      "/checks/0/expectation must have required property 'reason'",
    ]);
  });

  it('accepts a minimal unreachable run', () => {
    assert.deepEqual(reg.validate('harness/summary', unreachableSummary()), { valid: true, errors: [] });
  });

  it('rejects a summary without totals.blocked, with a bad status, or a check without an id', () => {
    const s = sampleSummary();
    const { blocked: _blocked, ...noBlocked } = s.totals;
    assert.deepEqual(reg.validate('harness/summary', { ...s, totals: noBlocked }).errors, [
      "/totals must have required property 'blocked'",
    ]);
    const bad = { ...s, checks: [{ ...s.checks[0], status: 'timedOut' }] };
    assert.deepEqual(reg.validate('harness/summary', bad).errors, [
      '/checks/0/status must be equal to one of the allowed values (["passed","failed","skipped","blocked","expected-fail","unexpected-pass"])',
    ]);
    const { id: _id, ...noId } = s.checks[0]!;
    assert.equal(reg.validate('harness/summary', { ...s, checks: [noId] }).valid, false);
    const { cause: _cause, ...blockedWithoutCause } = s.checks[3]!;
    assert.equal(reg.validate('harness/summary', { ...s, checks: [blockedWithoutCause] }).valid, false);
  });
});
