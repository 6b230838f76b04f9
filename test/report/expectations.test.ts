// Expected failures and unexpected passes in every output: totals, the recap, JUnit, GitHub
// annotations and Allure, each read from one summary.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type AllureCategory, type AllureResult, writeAllureResults } from '../../src/report/allure.js';
import { githubAnnotations } from '../../src/report/github.js';
import { junitXml } from '../../src/report/junit.js';
import { recapLines } from '../../src/report/recap.js';
import { type CheckExpectation, type CheckResult, groupByCause, totals } from '../../src/report/results.js';
import type { Summary } from '../../src/report/summary.js';
import { dbNotSynced, sampleChecks, sampleSummary } from './sample.js';

const work = mkdtempSync(join(tmpdir(), 'gh-expect-report-'));
after(() => rmSync(work, { recursive: true, force: true }));

const KNOWN_DB: CheckExpectation = {
  index: 1,
  id: 'images.create.*',
  reason: 'this cloud never ran db_sync',
  bug: 'https://bugs.launchpad.net/glance/+bug/1234567',
};
const WAS_BROKEN: CheckExpectation = {
  index: 0,
  id: 'discovery.versions.root-300',
  reason: 'proxy rewrote 300',
};
const STALE: CheckExpectation = { index: 2, id: 'metadefs.*', reason: 'gone since Zed' };

/** The sample run with expectations laid over it: one expected failure, one unexpected pass, one stale entry. */
function summaryWith(strict: boolean): Summary {
  const checks: CheckResult[] = sampleChecks().map((c) =>
    c.id === 'images.create.minimal'
      ? { ...c, status: 'expected-fail', expectation: KNOWN_DB }
      : c.id === 'discovery.versions.root-300'
        ? { ...c, status: 'unexpected-pass', expectation: WAS_BROKEN }
        : c,
  );
  return {
    ...sampleSummary(checks),
    totals: totals(checks, { expectations: true }),
    expectations: { file: 'known.yaml', strict, entries: 3, inScope: 3, stale: [STALE] },
  };
}

const testcase = (xml: string, id: string): string =>
  new RegExp(`<testcase name="${id.replace(/\./g, '\\.')}"[\\s\\S]*?</testcase>`).exec(xml)?.[0] ?? '';

describe('totals with expectations', () => {
  it('counts expectedFail and unexpectedPass apart; every status adds up to total', () => {
    const t = summaryWith(false).totals;
    assert.deepEqual(t, {
      total: 6,
      passed: 0,
      failed: 2,
      skipped: 1,
      blocked: 1,
      expectedFail: 1,
      unexpectedPass: 1,
    });
    assert.equal(t.passed + t.failed + t.skipped + t.blocked + t.expectedFail! + t.unexpectedPass!, t.total);
  });

  it('a run without expectations keeps the earlier shape; with expectations the counts are there at 0', () => {
    assert.deepEqual(Object.keys(totals(sampleChecks())), [
      'total',
      'passed',
      'failed',
      'skipped',
      'blocked',
    ]);
    const t = totals(sampleChecks(), { expectations: true });
    assert.equal(t.expectedFail, 0);
    assert.equal(t.unexpectedPass, 0);
  });

  it('an expected failure keeps its cause but leaves the cause groups', () => {
    const s = summaryWith(false);
    assert.deepEqual(s.checks.find((c) => c.id === 'images.create.minimal')?.cause, dbNotSynced);
    const [group] = groupByCause(s.checks);
    assert.deepEqual(
      group?.failed.map((c) => c.id),
      ['images.list.existing'],
    );
    assert.deepEqual(
      group?.blocked.map((c) => c.id),
      ['images.upload.raw'],
    );
  });
});

describe('recap with expectations', () => {
  it('shows expected failures, unexpected passes and stale entries in their own groups, and both counts', () => {
    const lines = recapLines(summaryWith(false), { color: false });
    const text = lines.join('\n');
    assert.ok(
      text.includes(
        [
          'Expected failures (1), listed in known.yaml: they do not fail the run',
          '  ~ images.create.minimal [cause db.not-synced]: this cloud never ran db_sync (https://bugs.launchpad.net/glance/+bug/1234567)',
          '',
          'Unexpected passes (1), listed in known.yaml as expected to fail: a warning (--strict makes it a failure)',
          '  ! discovery.versions.root-300: proxy rewrote 300 — remove entry [0] once the fix is confirmed',
          '',
          'Stale expectations (1): entries of known.yaml that match no check of this selection',
          '  ! [2] metadefs.*: gone since Zed',
        ].join('\n'),
      ),
      text,
    );
    assert.match(
      lines.at(-1)!,
      /^6 checks: 0 passed, 2 failed, 1 blocked, 1 skipped, 1 expected-fail, 1 unexpected-pass \(3\.5 s\) — failed, exit 1$/,
    );
    assert.match(
      text,
      /failed: images\.list\.existing\n/,
      'the cause group lists only the unexpected failure',
    );
  });

  it('with --strict the unexpected passes are marked as failing the run', () => {
    const text = recapLines(summaryWith(true), { color: false }).join('\n');
    assert.match(
      text,
      /^Unexpected passes \(1\), listed in known\.yaml as expected to fail: they fail the run \(--strict\)$/m,
    );
    assert.match(text, /^ {2}✖ discovery\.versions\.root-300: /m);
  });

  it('a run without expectations shows none of these groups', () => {
    const text = recapLines(sampleSummary(), { color: false }).join('\n');
    assert.doesNotMatch(text, /Expected failures|Unexpected passes|Stale expectations|expected-fail/);
  });
});

describe('JUnit with expectations', () => {
  it('an expected failure is skipped (type expected-fail) with the reason, and what the check said in system-out', () => {
    const xml = junitXml(summaryWith(false));
    const c = testcase(xml, 'images.create.minimal');
    assert.match(
      c,
      /<skipped type="expected-fail" message="expected failure: this cloud never ran db_sync \(https:\/\/bugs\.launchpad\.net\/glance\/\+bug\/1234567\)"\/>/,
    );
    assert.match(c, /<property name="expectation" value="expected-fail"\/>/);
    assert.match(c, /<property name="expected-reason" value="this cloud never ran db_sync"\/>/);
    assert.match(c, /<property name="bug" value="https:\/\/bugs\.launchpad\.net\/glance\/\+bug\/1234567"\/>/);
    assert.match(c, /<property name="cause" value="db\.not-synced"\/>/);
    assert.match(
      c,
      /<system-out>Expected failure\. Listed as entry \[1\] \(id images\.create\.\*\) of known\.yaml: this cloud never ran db_sync\nBug: https:\/\/bugs\.launchpad\.net\/glance\/\+bug\/1234567\n\nExpected 201 from POST \/v2\/images, got 500/,
    );
    assert.match(
      c,
      /Cause: db\.not-synced — Glance database has no tables[\s\S]*Fix: Run `glance-manage db_sync`/,
    );
    assert.doesNotMatch(c, /<failure|<error/);
  });

  it('counts: skipped = skipped + expected failures; an unexpected pass passes, with system-out saying so', () => {
    const xml = junitXml(summaryWith(false));
    assert.match(xml, /<testsuites name="glance-harness" tests="6" failures="2" errors="1" skipped="2" /);
    assert.match(xml, /<testsuite name="images" tests="4" failures="2" errors="1" skipped="1" /);
    assert.match(xml, /<testsuite name="discovery" tests="1" failures="0" errors="0" skipped="0" /);
    const c = testcase(xml, 'discovery.versions.root-300');
    assert.doesNotMatch(c, /<failure|<error|<skipped/);
    assert.match(c, /<property name="expectation" value="unexpected-pass"\/>/);
    assert.match(
      c,
      /<system-out>Unexpected pass: the check passed although it is listed as expected to fail; remove its entry once the fix is confirmed\. Listed as entry \[0\] \(id discovery\.versions\.root-300\) of known\.yaml: proxy rewrote 300<\/system-out>/,
    );
  });

  it('with --strict an unexpected pass is a failure of type unexpected-pass, and counted', () => {
    const xml = junitXml(summaryWith(true));
    assert.match(xml, /<testsuites name="glance-harness" tests="6" failures="3" errors="1" skipped="2" /);
    assert.match(xml, /<testsuite name="discovery" tests="1" failures="1" errors="0" skipped="0" /);
    assert.match(
      testcase(xml, 'discovery.versions.root-300'),
      /<failure message="unexpected pass: listed as expected to fail \(proxy rewrote 300\)" type="unexpected-pass">Unexpected pass: /,
    );
  });
});

describe('GitHub annotations with expectations', () => {
  it('a warning per unexpected pass and per stale entry, none for an expected failure', () => {
    const lines = githubAnnotations(summaryWith(false));
    assert.ok(
      lines.includes(
        '::warning title=unexpected pass%3A discovery.versions.root-300,file=suites/discovery/versions.spec.ts::' +
          'discovery.versions.root-300 passed although entry [0] of known.yaml expects it to fail (proxy rewrote 300): remove the entry once the fix is confirmed',
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.includes(
        '::warning title=stale expectation::entry [2] (id metadefs.*) of known.yaml matches no check of this selection: gone since Zed',
      ),
    );
    assert.ok(
      !lines.some((l) => l.includes('images.create.minimal')),
      'no annotation names the expected failure',
    );
    assert.equal(
      lines.at(-1),
      '::notice title=glance-harness::6 checks: 0 passed, 2 failed, 1 blocked, 1 skipped, 1 expected-fail, 1 unexpected-pass — failed, exit 1',
    );
  });

  it('with --strict an unexpected pass is an error', () => {
    const lines = githubAnnotations(summaryWith(true));
    assert.ok(
      lines.some((l) => l.startsWith('::error title=unexpected pass%3A discovery.versions.root-300,')),
    );
    assert.ok(!lines.some((l) => l.startsWith('::warning title=unexpected pass')));
  });
});

describe('Allure with expectations', () => {
  function written(strict: boolean): { results: Map<string, AllureResult>; cats: AllureCategory[] } {
    const dir = join(work, strict ? 'strict' : 'default');
    const s = summaryWith(strict);
    writeAllureResults(dir, { ...s, reports: { dir: work } }, { reportName: 'r', host: 'h' });
    const results = new Map<string, AllureResult>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('-result.json'))) {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as AllureResult;
      results.set(r.fullName, r);
    }
    const cats = JSON.parse(readFileSync(join(dir, 'categories.json'), 'utf8')) as AllureCategory[];
    return { results, cats };
  }

  /** Allure matches messageRegex against the whole message (CategoriesPlugin), in every category that fits. */
  const categoriesOf = (cats: readonly AllureCategory[], r: AllureResult): string[] =>
    cats
      .filter(
        (c) =>
          c.matchedStatuses.includes(r.status) &&
          new RegExp(`^(?:${c.messageRegex})$`, 's').test(r.statusDetails.message ?? ''),
      )
      .map((c) => c.name);

  it('an expected failure is skipped in "Expected failures", labelled, with its bug linked and the failure in the trace', () => {
    const { results, cats } = written(false);
    const r = results.get('images.create.minimal')!;
    assert.equal(r.status, 'skipped');
    assert.equal(
      r.statusDetails.message,
      'expected failure: this cloud never ran db_sync (https://bugs.launchpad.net/glance/+bug/1234567)',
    );
    assert.match(r.statusDetails.trace!, /got 500[\s\S]*Cause: db\.not-synced/);
    assert.deepEqual(categoriesOf(cats, r), ['Expected failures']);
    assert.ok(r.labels.some((l) => l.name === 'expectation' && l.value === 'expected-fail'));
    assert.ok(r.labels.some((l) => l.name === 'cause' && l.value === 'db.not-synced'));
    assert.deepEqual(r.links, [
      { name: 'upstream bug', url: 'https://bugs.launchpad.net/glance/+bug/1234567', type: 'issue' },
    ]);
  });

  it('an unexpected pass is passed and labelled; with --strict failed, in its own category only', () => {
    const plain = written(false).results.get('discovery.versions.root-300')!;
    assert.equal(plain.status, 'passed');
    assert.equal(plain.statusDetails.message, 'unexpected pass: proxy rewrote 300');
    assert.ok(plain.labels.some((l) => l.name === 'expectation' && l.value === 'unexpected-pass'));
    const { results, cats } = written(true);
    const strict = results.get('discovery.versions.root-300')!;
    assert.equal(strict.status, 'failed');
    assert.deepEqual(categoriesOf(cats, strict), ['Unexpected passes (--strict)']);
    assert.deepEqual(categoriesOf(cats, results.get('images.show.unknown-id')!), [
      'Failed checks without a named cause',
    ]);
  });
});
