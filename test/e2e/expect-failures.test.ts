// `run --expect-failures FILE` end to end on the embedded reference: with auth switched off
// (auth-disabled) the two discovery checks that want a 401 fail; listed, they end expected-fail and
// the run exits 0; a listed check that passes warns, or with --strict exits 1; a database fault still
// blocks what needs the database; a bad file stops the run before it starts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import type { CheckResult, Summary } from '../../src/report/summary.js';
import { referenceEnv, runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-expect-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));

const AUTH_CHECKS = ['discovery.auth.bad-token', 'discovery.auth.token-required'];
const BUG = 'https://bugs.launchpad.net/glance/+bug/1234567';

function latest(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'reports', 'latest', 'summary.json'), 'utf8')) as Summary;
}

async function withReference<T>(
  fault: 'auth-disabled' | 'db-not-synced' | null,
  body: (ref: ReferenceServer) => Promise<T>,
): Promise<T> {
  const ref = await startReference(fault ? { fault } : {});
  try {
    return await body(ref);
  } finally {
    await ref.close();
  }
}

/** A fresh working directory holding `known.yaml` with these lines. */
function dirWith(name: string, lines: string[]): { dir: string; file: string } {
  const dir = mkdtempSync(join(work, `${name}-`));
  const file = join(dir, 'known.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { dir, file };
}

const AUTH_ENTRY = [
  '- id: discovery.auth.*',
  '  reason: the lab runs glance-api without Keystone middleware',
  `  bug: ${BUG}`,
];

describe('run --expect-failures on the reference', () => {
  it('listed failures end expected-fail, the run exits 0; a stale entry is a warning', async () => {
    await withReference('auth-disabled', async (ref) => {
      const { dir, file } = dirWith('xfail', [
        ...AUTH_ENTRY,
        '- id: images.no-such.check',
        '  reason: left over from an older selection',
        '- id: discovery.versions.root-300',
        '  target: https://glance.elsewhere.example*',
        "  reason: 'for another cloud: neither applied nor stale here'",
      ]);
      const r = await runCli(
        ['run', '--suite', 'discovery', '--expect-failures', file, '--reporter', 'line,github'],
        { cwd: dir, env: referenceEnv(ref) },
      );
      assert.equal(r.code, 0, r.stderr);
      const s = latest(dir);
      assert.equal(s.outcome, 'ok');
      assert.equal(s.exitCode, 0);
      const expected = s.checks.filter((c) => c.status === 'expected-fail');
      assert.deepEqual(expected.map((c) => c.id).sort(), AUTH_CHECKS);
      for (const c of expected) {
        assert.deepEqual(c.expectation, {
          index: 0,
          id: 'discovery.auth.*',
          reason: 'the lab runs glance-api without Keystone middleware',
          bug: BUG,
        });
        assert.match(c.error ?? '', /Expected 401 from GET \/v2\/images/, 'what the check said is kept');
      }
      assert.equal(s.totals.failed, 0);
      assert.equal(s.totals.expectedFail, 2);
      assert.equal(s.totals.unexpectedPass, 0);
      assert.equal(s.totals.passed + s.totals.skipped + 2, s.totals.total);
      assert.deepEqual(s.expectations, {
        file,
        strict: false,
        entries: 3,
        inScope: 2,
        stale: [{ index: 1, id: 'images.no-such.check', reason: 'left over from an older selection' }],
      });
      assert.match(r.stderr, /^Expected failures \(2\), listed in .*known\.yaml: they do not fail the run$/m);
      assert.match(
        r.stderr,
        /^ {2}~ discovery\.auth\.token-required: the lab runs glance-api without Keystone/m,
      );
      assert.match(r.stderr, /^Stale expectations \(1\): .*\n {2}! \[1\] images\.no-such\.check: left over/m);
      assert.match(
        r.stderr,
        /^\d+ checks: \d+ passed, 0 failed, 0 blocked, \d+ skipped, 2 expected-fail, 0 unexpected-pass/m,
      );
      assert.doesNotMatch(r.stdout, /^::error/m, 'no error annotation for an expected failure');
      assert.match(
        r.stdout,
        /^::warning title=stale expectation::entry \[1\] \(id images\.no-such\.check\)/m,
      );
      const junit = readFileSync(join(dir, 'reports', 'latest', 'junit.xml'), 'utf8');
      assert.match(junit, /<testsuites [^>]*failures="0" errors="0" skipped="\d+"/);
      assert.equal(junit.match(/<skipped type="expected-fail" /g)?.length, 2);
      const results = readFileSync(join(s.reports.dir, 'results.ndjson'), 'utf8');
      assert.equal(
        results.match(/"status":"failed"/g)?.length,
        2,
        'results.ndjson keeps what the runner saw',
      );
    });
  });

  it('a listed check that passes warns; with --strict the run fails (exit 1)', async () => {
    await withReference('auth-disabled', async (ref) => {
      const { dir, file } = dirWith('xpass', [
        ...AUTH_ENTRY,
        '- id: discovery.versions.root-300',
        '  target: http://127.0.0.1:*',
        '  release: v2.15',
        '  reason: the proxy used to answer 200',
      ]);
      const args = ['run', '--suite', 'discovery', '--expect-failures', file, '--reporter', 'line,github'];
      const warned = await runCli(args, { cwd: dir, env: referenceEnv(ref) });
      assert.equal(warned.code, 0, warned.stderr);
      let s = latest(dir);
      assert.equal(s.outcome, 'ok');
      assert.equal(s.checks.find((c) => c.id === 'discovery.versions.root-300')?.status, 'unexpected-pass');
      assert.equal(s.totals.unexpectedPass, 1);
      assert.match(warned.stderr, /^Unexpected passes \(1\), .*a warning \(--strict makes it a failure\)$/m);
      assert.match(warned.stdout, /^::warning title=unexpected pass%3A discovery\.versions\.root-300,/m);

      const strict = await runCli([...args, '--strict'], { cwd: dir, env: referenceEnv(ref) });
      assert.equal(strict.code, 1, strict.stderr);
      s = latest(dir);
      assert.equal(s.outcome, 'failed');
      assert.equal(s.exitCode, 1);
      assert.equal(s.expectations?.strict, true);
      assert.match(
        s.message ?? '',
        /^1 check listed as expected to fail in .*known\.yaml passed \(--strict\): discovery\.versions\.root-300$/,
      );
      assert.equal(s.totals.failed, 0, 'nothing failed: the unexpected pass alone fails the run');
      assert.match(strict.stdout, /^::error title=unexpected pass%3A discovery\.versions\.root-300,/m);
      assert.match(strict.stderr, /— failed, exit 1$/m);
      const junit = readFileSync(join(dir, 'reports', 'latest', 'junit.xml'), 'utf8');
      assert.match(junit, /<testsuites [^>]*failures="1" /);
      assert.match(junit, /<failure message="unexpected pass: [^"]*" type="unexpected-pass">/);
    });
  });

  it('a broken database still blocks the checks that need it: listed failures keep their cause, blocked ones stay blocked', async () => {
    await withReference('db-not-synced', async (ref) => {
      const { dir, file } = dirWith('blocked', ['- id: images.*', '  reason: the database was never synced']);
      const r = await runCli(['run', '--suite', 'images', '--expect-failures', file], {
        cwd: dir,
        env: referenceEnv(ref),
      });
      assert.equal(r.code, 1, r.stderr);
      const s = latest(dir);
      assert.equal(s.outcome, 'failed');
      assert.ok(s.totals.blocked > 5, `blocked: ${s.totals.blocked}`);
      assert.ok((s.totals.expectedFail ?? 0) >= 1, `expected-fail: ${s.totals.expectedFail}`);
      for (const c of s.checks.filter((x) => x.status === 'blocked')) {
        assert.equal(c.cause?.id, 'db.not-synced');
        assert.equal(c.expectation, undefined, 'a blocked check stays what it was');
      }
      const raw = new Map(
        readFileSync(join(s.reports.dir, 'results.ndjson'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as CheckResult)
          .map((c) => [c.id, c]),
      );
      for (const c of s.checks.filter((x) => x.status === 'expected-fail')) {
        const before = raw.get(c.id);
        assert.equal(before?.status, 'failed');
        assert.deepEqual(c.cause, before?.cause, `${c.id} keeps the cause it ended with`);
        assert.equal(c.error, before?.error);
      }
      assert.ok(
        s.checks.some((c) => c.status === 'expected-fail' && c.cause?.id === 'db.not-synced'),
        'the failure that named the cause is among the expected ones',
      );
      assert.match(r.stderr, /^ {2}✖ db\.not-synced \(confirmed\): .* — \d+ blocked$/m);
    });
  });

  it('an empty file changes nothing: same summary shape, exit 0', async () => {
    await withReference(null, async (ref) => {
      const { dir, file } = dirWith('empty', ['# nothing is known to fail']);
      const r = await runCli(['run', '--suite', 'discovery', '--expect-failures', file, '--strict'], {
        cwd: dir,
        env: referenceEnv(ref),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /^Expectations: .*known\.yaml lists no entries, so every check counts as it ends$/m,
      );
      const s = latest(dir);
      assert.equal(s.outcome, 'ok');
      assert.deepEqual(Object.keys(s.totals), ['total', 'passed', 'failed', 'skipped', 'blocked']);
      assert.equal(s.expectations, undefined);
      assert.ok(s.checks.every((c) => c.status === 'passed' && c.expectation === undefined));
    });
  });

  it('a bad file is a one-line error naming the file, entry and field (exit 2), before anything starts', async () => {
    const { dir, file } = dirWith('bad', [
      '- id: discovery.auth.token-required',
      '  reason: fine',
      '- id: discovery.auth.bad-token',
      '  reason: also fine',
      '  bug: LP#1234567',
    ]);
    const r = await runCli(['run', '--suite', 'discovery', '--expect-failures', file], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      `error: ${file} line 5: [1].bug must be the http(s) URL of the upstream bug (got "LP#1234567")\n`,
    );
    const missing = await runCli(['run', '--expect-failures', join(dir, 'nope.yaml')], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: --expect-failures: cannot read .*nope\.yaml: ENOENT$/m);
    const strictAlone = await runCli(['run', '--strict'], { cwd: dir });
    assert.equal(strictAlone.code, 2);
    assert.match(strictAlone.stderr, /^error: --strict needs --expect-failures FILE/m);
  });
});
