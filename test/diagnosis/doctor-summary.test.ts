import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doctorSummary, stepCheckId } from '../../src/doctor/summary.js';
import type { DoctorReport } from '../../src/doctor/types.js';

const cause = {
  id: 'proxy.upstream-down',
  title: 'The proxy cannot reach glance-api',
  severity: 'critical' as const,
  fix: 'Start glance-api.',
  hop: 'front proxy',
};

const broken: DoctorReport = {
  healthy: false,
  brokenAt: 'versions',
  exitCode: 1,
  cause,
  steps: [
    { name: 'tcp:glance', ok: true, status: 'ok', tried: 'TCP connect', evidence: 'connected' },
    { name: 'versions', ok: false, status: 'failed', tried: 'GET /', evidence: '502 nginx page', cause },
    {
      name: 'token',
      ok: false,
      status: 'skipped',
      tried: 'POST /v3/auth/tokens',
      evidence: 'not run: versions failed first',
    },
  ],
};

describe('doctor as a run summary', () => {
  it('one check per step with a stable id, the cause as a value on the failed step', () => {
    const s = doctorSummary(broken, false);
    assert.equal(s.outcome, 'failed');
    assert.equal(s.exitCode, 1);
    assert.deepEqual(
      s.checks.map((c) => [c.id, c.status]),
      [
        ['doctor.walk.tcp-glance', 'passed'],
        ['doctor.walk.versions', 'failed'],
        ['doctor.walk.token', 'skipped'],
      ],
    );
    assert.equal(s.checks[1]?.cause?.id, 'proxy.upstream-down');
    assert.equal(s.checks[2]?.skipReason, 'not run: versions failed first');
    assert.equal(s.cause?.id, 'proxy.upstream-down');
  });

  it('healthy is ok, unreachable keeps exit 3, a signal is interrupted (130)', () => {
    assert.equal(doctorSummary({ ...broken, healthy: true, exitCode: 0, steps: [] }, false).outcome, 'ok');
    assert.equal(doctorSummary({ ...broken, exitCode: 3 }, false).outcome, 'unreachable');
    const stopped = doctorSummary(broken, true);
    assert.equal(stopped.outcome, 'interrupted');
    assert.equal(stopped.exitCode, 130);
    assert.equal(stepCheckId('tls:keystone'), 'doctor.walk.tls-keystone');
  });
});
