import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oneLine, recapLines, safeText } from '../../src/report/recap.js';
import { type CheckResult, groupByCause, totals } from '../../src/report/results.js';
import type { Summary } from '../../src/report/summary.js';
import { isHarnessImage, newRunId, runImageName, runTags } from '../../src/run/naming.js';
import { dbNotSynced, sampleSummary } from '../report/sample.js';

const cause = dbNotSynced;

const check = (id: string, status: CheckResult['status'], extra: Partial<CheckResult> = {}): CheckResult => ({
  id,
  title: id,
  suite: id.split('.')[0]!,
  tags: [],
  status,
  durationMs: 1,
  ...extra,
});

const checks: CheckResult[] = [
  check('images.a', 'passed'),
  check('images.b', 'failed', { cause, error: 'Expected 201, got 500' }),
  check('images.c', 'blocked', { cause, skipReason: 'blocked by db.not-synced: …' }),
  check('images.d', 'blocked', { cause, skipReason: 'blocked by db.not-synced: …' }),
  check('images.e', 'failed', { error: 'Expected 404, got 200\nmore' }),
  check('db.f', 'skipped', { skipReason: 'no database access configured' }),
];

function summary(extra: Partial<Summary> = {}): Summary {
  return {
    ...sampleSummary(checks),
    durationMs: 8000,
    cleanup: { deleted: 0, failed: ['Cannot list images for cleanup: GET /v2/images answered 500'] },
    ...extra,
  };
}

describe('check results', () => {
  it('counts blocked apart from failed and skipped', () => {
    assert.deepEqual(totals(checks), { total: 6, passed: 1, failed: 2, skipped: 1, blocked: 2 });
  });

  it('groups failed and blocked checks by cause id, with two request ids', () => {
    const groups = groupByCause(checks);
    assert.equal(groups.length, 1);
    assert.deepEqual(
      groups[0]?.failed.map((c) => c.id),
      ['images.b'],
    );
    assert.deepEqual(
      groups[0]?.blocked.map((c) => c.id),
      ['images.c', 'images.d'],
    );
    assert.deepEqual(groups[0]?.requestIds, ['req-1', 'req-2']);
  });
});

describe('recap', () => {
  const lines = recapLines(summary(), { color: false });
  const text = lines.join('\n');

  it('names each cause once with its fix, counts and checks, then unnamed failures, cleanup and totals', () => {
    assert.equal(text.split(cause.fix).length - 1, 1, 'the fix appears once');
    assert.match(text, /db\.not-synced \(confirmed\): Glance database has no tables — 1 failed, 2 blocked/);
    assert.match(text, /blocked: images\.c, images\.d/);
    assert.match(text, /request ids: req-1 req-2/);
    assert.match(text, /Failed without a named cause \(1\)\n {2}✖ images\.e: Expected 404, got 200$/m);
    assert.match(text, /Cleanup problems\n {2}! Cannot list images for cleanup/);
    assert.equal(lines.at(-1), '6 checks: 1 passed, 2 failed, 2 blocked, 1 skipped (8.0 s) — failed, exit 1');
  });

  it('a run that ended before any check says its outcome, cause and fix', () => {
    const early = recapLines(
      summary({
        checks: [],
        totals: totals([]),
        outcome: 'auth-refused',
        exitCode: 3,
        message: 'Keystone refused the credentials (HTTP 401) (Request-ID: req-k)',
        cause: {
          ...cause,
          id: 'keystone.user-credentials',
          title: 'Wrong credentials',
          fix: 'Check OS_PASSWORD.',
        },
      }),
      { color: false },
    ).join('\n');
    assert.match(
      early,
      /^auth-refused: Keystone refused the credentials \(HTTP 401\) \(Request-ID: req-k\) \(cause keystone\.user-credentials\)$/m,
    );
    assert.match(early, /\n {2}Wrong credentials\n {2}fix: Check OS_PASSWORD\./);
  });

  it('escapes control characters a server may have sent', () => {
    assert.equal(safeText('a\u001b]0;pwned\u0007b\u001b[2J'), 'a\\e]0;pwned\\x07b\\e[2J');
    assert.equal(oneLine('name\nFAKE LINE'), 'name\\nFAKE LINE');
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
