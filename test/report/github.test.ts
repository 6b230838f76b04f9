import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { githubAnnotations, shouldAnnotate } from '../../src/report/github.js';
import type { CheckResult } from '../../src/report/results.js';
import { dbNotSynced, sampleChecks, sampleSummary, unreachableSummary } from './sample.js';

describe('githubAnnotations', () => {
  const lines = githubAnnotations(sampleSummary());

  it('one error per cause group, naming checks, fix and two request ids', () => {
    const causeLines = lines.filter((l) => l.includes('db.not-synced'));
    assert.equal(causeLines.length, 1);
    assert.equal(
      causeLines[0],
      '::error title=db.not-synced%3A Glance database has no tables,file=suites/images/create.spec.ts::' +
        '2 failed, 1 blocked: images.create.minimal, images.list.existing, images.upload.raw — ' +
        'fix: Run `glance-manage db_sync` on the Glance host, then restart glance-api. — request ids: req-1 req-2',
    );
  });

  it('a failed check without a cause gets its own error with the first error line', () => {
    assert.ok(
      lines.includes(
        '::error title=images.show.unknown-id,file=suites/images/show.spec.ts::Expected 404 from GET /v2/images/x, got 200',
      ),
    );
  });

  it('warns per cleanup failure and ends with a totals notice', () => {
    assert.ok(
      lines.includes('::warning title=cleanup::DELETE /v2/images/abc returned 409, image is protected'),
    );
    assert.equal(
      lines.at(-1),
      '::notice title=glance-harness::6 checks: 1 passed, 3 failed, 1 blocked, 1 skipped — failed, exit 1',
    );
    assert.equal(lines.length, 4);
  });

  it('lists at most ten check ids, then how many more', () => {
    const many: CheckResult[] = Array.from({ length: 13 }, (_, i) => ({
      ...sampleChecks()[1]!,
      id: `images.c${i}`,
      cause: dbNotSynced,
    }));
    const [line] = githubAnnotations(sampleSummary(many));
    assert.match(line!, /images\.c8, images\.c9 and 3 more — fix:/);
  });

  it('escapes data and properties, and strips ANSI and control characters', () => {
    const check: CheckResult = {
      ...sampleChecks()[4]!,
      id: 'a:b,c',
      file: undefined,
      error: '\u001b[31m100% broken\u0000\u001b[0m\nsecond line',
    };
    const [line] = githubAnnotations(sampleSummary([check]));
    assert.equal(line, '::error title=a%3Ab%2Cc::100%25 broken');
    const s = sampleSummary([]);
    s.cleanup = { deleted: 0, failed: ['one\r\ntwo: 50%'] };
    assert.ok(githubAnnotations(s).includes('::warning title=cleanup::one%0D%0Atwo: 50%25'));
  });

  it('a run that broke is an error with its message', () => {
    const [line] = githubAnnotations(unreachableSummary());
    assert.equal(
      line,
      '::error title=glance-harness unreachable::No answer from https://keystone.example.test:5000/v3 within 5000 ms',
    );
  });
});

describe('shouldAnnotate', () => {
  it('on GitHub Actions or when asked for', () => {
    assert.equal(shouldAnnotate({ GITHUB_ACTIONS: 'true' }, []), true);
    assert.equal(shouldAnnotate({}, ['list', 'github']), true);
    assert.equal(shouldAnnotate({ GITHUB_ACTIONS: 'false' }, ['list']), false);
    assert.equal(shouldAnnotate({}, []), false);
  });
});
