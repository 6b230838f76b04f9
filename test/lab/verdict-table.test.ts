// The check × target table the lab leg prints, and what makes a real Glance's column fail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckResult } from '../../src/report/summary.js';
import { type Column, problems, render, skipExplained } from './verdict-table.js';

const check = (id: string, status: CheckResult['status'], extra: Partial<CheckResult> = {}): CheckResult => ({
  id,
  title: id,
  suite: id.split('.')[0] ?? '',
  tags: [],
  status,
  durationMs: 1,
  ...extra,
});
const column = (name: string, strict: boolean, checks: CheckResult[]): Column => ({
  name,
  strict,
  checks: new Map(checks.map((c) => [c.id, c])),
});

describe('verdict table', () => {
  it('says a skip is explained only when it gives a reason beyond the bare word', () => {
    assert.equal(skipExplained(check('a.b', 'skipped', { skipReason: 'no --large size given' })), true);
    assert.equal(skipExplained(check('a.b', 'skipped', { skipReason: 'skipped' })), false);
    assert.equal(skipExplained(check('a.b', 'skipped')), false);
  });

  it('lists failed, blocked and unexplained skips of a column, nothing for a clean one', () => {
    const clean = column('zed', true, [
      check('a.one', 'passed'),
      check('a.two', 'skipped', { skipReason: 'one store' }),
    ]);
    assert.deepEqual(problems(clean), []);
    const bad = column('newest', true, [
      check('a.one', 'failed', { error: 'Expected 201, got 415\nstack' }),
      check('a.two', 'skipped'),
      check('a.three', 'blocked'),
      check('a.four', 'unexpected-pass'),
      check('a.five', 'expected-fail'),
    ]);
    assert.deepEqual(problems(bad), [
      'newest: a.one failed (Expected 201, got 415)',
      'newest: a.two skipped without a reason',
      'newest: a.three blocked',
      'newest: a.four passed although listed as a known failure: remove its entry',
    ]);
  });

  it('renders one row per check id across targets, "-" where a target has no such check, and totals', () => {
    const t = render([
      column('reference', false, [check('a.one', 'passed'), check('a.two', 'skipped', { skipReason: 'x' })]),
      column('newest', true, [check('a.one', 'failed')]),
    ]);
    const lines = t.split('\n');
    assert.match(lines[0] ?? '', /^check\s+reference\s+newest$/);
    assert.match(lines[1] ?? '', /^a\.one\s+passed\s+failed$/);
    assert.match(lines[2] ?? '', /^a\.two\s+skipped\s+-$/);
    assert.match(lines[3] ?? '', /^total\s+1p 0f 1s 0b\s+0p 1f 0s 0b$/);
  });
});
