import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksFromPlaywright, type PlaywrightJson, totals } from '../../src/report/summary.js';
import { isHarnessImage, newRunId, runImageName, runTags } from '../../src/run/naming.js';

const report: PlaywrightJson = {
  suites: [
    {
      title: 'discovery/versions.spec.ts',
      file: 'discovery/versions.spec.ts',
      specs: [],
      suites: [
        {
          title: 'discovery: versions',
          specs: [
            {
              title: 'GET / returns 300',
              file: 'discovery/versions.spec.ts',
              tags: ['@discovery'],
              tests: [
                {
                  annotations: [{ type: 'id', description: 'discovery.versions.root-300' }],
                  status: 'expected',
                  results: [{ status: 'passed', duration: 12.4 }],
                },
              ],
            },
            {
              title: 'GET /v2/images/{id} returns 404',
              file: 'discovery/versions.spec.ts',
              tests: [
                {
                  annotations: [
                    { type: 'id', description: 'discovery.errors.json-404' },
                    { type: 'request-ids', description: 'req-a req-b' },
                  ],
                  status: 'unexpected',
                  results: [
                    {
                      status: 'failed',
                      duration: 30,
                      error: { message: '\u001b[31mExpected 404 from GET /v2/images/x, got 500\u001b[39m' },
                    },
                  ],
                },
              ],
            },
            {
              title: 'GET /v2/images without a token returns 401',
              file: 'discovery/versions.spec.ts',
              tests: [
                {
                  annotations: [
                    { type: 'id', description: 'discovery.auth.token-required' },
                    { type: 'skip', description: 'auth type none' },
                  ],
                  status: 'skipped',
                  results: [{ status: 'skipped', duration: 0 }],
                },
              ],
            },
          ],
        },
      ],
    },
  ],
};

describe('summary from the Playwright JSON report', () => {
  const checks = checksFromPlaywright(report);

  it('gives one check per test with its permanent id, suite and status', () => {
    assert.deepEqual(
      checks.map((c) => [c.id, c.status, c.suite]),
      [
        ['discovery.versions.root-300', 'passed', 'discovery: versions'],
        ['discovery.errors.json-404', 'failed', 'discovery: versions'],
        ['discovery.auth.token-required', 'skipped', 'discovery: versions'],
      ],
    );
  });

  it('keeps the failure message without colour codes, request ids, and skip reasons', () => {
    assert.equal(checks[1]?.error, 'Expected 404 from GET /v2/images/x, got 500');
    assert.deepEqual(checks[1]?.requestIds, ['req-a', 'req-b']);
    assert.equal(checks[2]?.skipReason, 'auth type none');
    assert.equal(checks[0]?.durationMs, 12);
  });

  it('counts totals', () => {
    assert.deepEqual(totals(checks), { total: 3, passed: 1, failed: 1, skipped: 1 });
  });
});

describe('run naming', () => {
  it('run ids sort by time and differ by suffix', () => {
    const id = newRunId(new Date('2026-11-22T10:15:02Z'));
    assert.match(id, /^20261122-101502-[0-9a-f]{4}$/);
  });

  it('cleanup only matches images with the prefix, the harness tag and a run tag', () => {
    const runId = '20261122-101502-abcd';
    const mine = { name: runImageName('gh', runId, 'lifecycle'), tags: runTags(runId) };
    assert.ok(isHarnessImage(mine, 'gh'));
    assert.ok(isHarnessImage(mine, 'gh', runId));
    assert.ok(!isHarnessImage(mine, 'gh', '20261122-000000-ffff'), 'another run');
    assert.ok(!isHarnessImage({ ...mine, tags: [] }, 'gh'), 'untagged image with a matching name');
    assert.ok(!isHarnessImage({ ...mine, name: 'cirros' }, 'gh'), 'tagged image with a foreign name');
    assert.ok(!isHarnessImage({ ...mine, name: null }, 'gh'));
  });
});
