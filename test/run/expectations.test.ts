import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, ExitCode } from '../../src/errors.js';
import type { CheckResult } from '../../src/report/results.js';
import {
  applyExpectations,
  type Expectations,
  type ExpectationTarget,
  entryApplies,
  finalStatus,
  globMatch,
  loadExpectations,
  parseExpectations,
  strictFailure,
} from '../../src/run/expectations.js';
import { dbNotSynced, sampleChecks } from '../report/sample.js';

const work = mkdtempSync(join(tmpdir(), 'gh-expect-'));
after(() => rmSync(work, { recursive: true, force: true }));

const FILE = 'known.yaml';

/** The ConfigError a text raises, as its message. */
function errorOf(text: string): string {
  try {
    parseExpectations(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.equal(err.exitCode, ExitCode.Usage);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return err.message;
  }
  assert.fail(`no error for:\n${text}`);
}

const prod: ExpectationTarget = {
  kind: 'configured',
  endpoint: 'https://glance.prod.example.com:9292/',
  glanceVersion: 'v2.15',
};

describe('parseExpectations', () => {
  it('reads every field, trims values, and numbers entries from 0 in file order', () => {
    const entries = parseExpectations(
      [
        '# known failures of the prod cloud',
        '- id: discovery.auth.token-required',
        '  reason: "  WWW-Authenticate is stripped by the proxy  "',
        '  bug: https://bugs.launchpad.net/glance/+bug/1234567',
        "- id: '*.unknown-id'",
        '  target: https://glance.prod.example.com*',
        "  release: 'v2.1*'",
        '  reason: >-',
        '    404 body differs',
        '',
      ].join('\n'),
      FILE,
    );
    assert.deepEqual(entries, [
      {
        index: 0,
        id: 'discovery.auth.token-required',
        reason: 'WWW-Authenticate is stripped by the proxy',
        bug: 'https://bugs.launchpad.net/glance/+bug/1234567',
      },
      {
        index: 1,
        id: '*.unknown-id',
        target: 'https://glance.prod.example.com*',
        release: 'v2.1*',
        reason: '404 body differs',
      },
    ]);
  });

  it('an empty file, or one with comments only, lists no entries', () => {
    assert.deepEqual(parseExpectations('', FILE), []);
    assert.deepEqual(parseExpectations('# nothing known to fail yet\n', FILE), []);
  });

  it('names the file, the line, the entry index and the field of each problem', () => {
    assert.equal(
      errorOf('id: a.b.c\nreason: x\n'),
      'known.yaml line 1: must be a list of entries {id, reason, target?, release?, bug?} (got a mapping)',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reason: x\n- just a string\n'),
      'known.yaml line 3: [1] must be a mapping {id, reason, target?, release?, bug?} (got "just a string")',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reasn: typo\n'),
      'known.yaml line 2: [0].reasn is not a field of an entry (known: id, target, release, reason, bug)',
    );
    assert.equal(
      errorOf('- reason: x\n'),
      'known.yaml line 1: [0].id is required: the check id, or a glob with *',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reason: x\n- id: images\\..*\n  reason: y\n'),
      'known.yaml line 3: [1].id must be a check id or a glob where * stands for any characters (letters, digits, . _ - *; got "images\\\\..*")',
    );
    assert.equal(
      errorOf('- id: *.unknown-id\n  reason: x\n'),
      `known.yaml line 1: [0].id: "*.unknown-id" reads as a YAML alias; quote a value that starts with * ('*.unknown-id')`,
    );
    assert.equal(
      errorOf('- id: a.b.c\n'),
      'known.yaml line 1: [0].reason is required: say why a.b.c is expected to fail',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reason: 42\n'),
      'known.yaml line 2: [0].reason must be a non-empty string (got a number)',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reason: "  "\n'),
      'known.yaml line 2: [0].reason must be a non-empty string (got "  ")',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reason:\n'),
      'known.yaml line 2: [0].reason must be a non-empty string (got nothing)',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reason: x\n  target: prod\n'),
      'known.yaml line 3: [0].target must be the target kind (reference, configured) or the endpoint URL, * standing for any characters (got "prod")',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reason: x\n  release: yoga\n'),
      'known.yaml line 3: [0].release must be a release family the run reads (zed, 2026.2) or an Image API version such as v2.15 or v2.1* (got "yoga")',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reason: x\n  bug: LP#1234567\n'),
      'known.yaml line 3: [0].bug must be the http(s) URL of the upstream bug (got "LP#1234567")',
    );
    assert.equal(
      errorOf('- id: a.b.c\n  reason: x\n  bug: [https://x.test]\n'),
      'known.yaml line 3: [0].bug must be a non-empty string (got a list)',
    );
  });

  it('quotes what the file said on one line: control characters escaped, long values cut', () => {
    assert.equal(
      errorOf('- id: a.b.c\n  reason: x\n  target: "prod\\n\\u001b[31mred"\n'),
      'known.yaml line 3: [0].target must be the target kind (reference, configured) or the endpoint URL, * standing for any characters (got "prod\\n\\u001b[31mred")',
    );
    assert.match(
      errorOf(`- id: a.b.c\n  reason: x\n  "${'k'.repeat(60)}\\n": 1\n`),
      /^known\.yaml line 3: \[0\]\."k{40}…" is not a field of an entry/,
    );
  });

  it('a YAML syntax error names the line and column, not the file text', () => {
    assert.equal(
      errorOf('- id: a.b.c\n  reason: [unclosed\n'),
      'Cannot parse known.yaml at line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    assert.match(
      errorOf('- id: a\n  id: b\n  reason: x\n'),
      /^Cannot parse known\.yaml at line 2, column 3: Map keys must be unique/,
    );
  });
});

describe('loadExpectations', () => {
  it('reads a file and keeps --strict with it', () => {
    const file = join(work, 'ok.yaml');
    writeFileSync(file, '- id: a.b.c\n  reason: x\n');
    assert.deepEqual(loadExpectations(file, true), {
      file,
      strict: true,
      entries: [{ index: 0, id: 'a.b.c', reason: 'x' }],
    });
  });

  it('a missing or unreadable file is a ConfigError naming the option and the file', () => {
    const missing = join(work, 'missing.yaml');
    assert.throws(() => loadExpectations(missing, false), {
      name: 'ConfigError',
      message: `--expect-failures: cannot read ${missing}: ENOENT`,
    });
    assert.throws(() => loadExpectations(work, false), {
      name: 'ConfigError',
      message: `--expect-failures: cannot read ${work}: EISDIR`,
    });
    if (process.getuid?.() !== 0) {
      const locked = join(work, 'locked.yaml');
      writeFileSync(locked, '[]\n');
      chmodSync(locked, 0o000);
      assert.throws(() => loadExpectations(locked, false), {
        message: /cannot read .*locked\.yaml: EACCES$/,
      });
    }
  });
});

describe('matching', () => {
  it('globMatch: * stands for any characters, dots included; the rest is literal', () => {
    assert.equal(globMatch('images.*', 'images.create.minimal'), true);
    assert.equal(globMatch('*.unknown-id', 'images.show.unknown-id'), true);
    assert.equal(globMatch('images.*.minimal', 'images.create.minimal'), true);
    assert.equal(globMatch('images.create', 'images.create.minimal'), false, 'whole id, not a prefix');
    assert.equal(globMatch('images.create.minimal', 'imagesXcreate.minimal'), false, 'a dot is a dot');
    assert.equal(globMatch('v2.1*', 'v2.15'), true);
    assert.equal(globMatch('v2.1*', 'v2.9'), false);
    assert.equal(globMatch('HTTPS://Glance.*', 'https://glance.example', true), true);
  });

  it('target: the target kind, or the endpoint URL (glob, case-insensitive, trailing slash ignored)', () => {
    const entry = { index: 0, id: 'x', reason: 'r' };
    assert.equal(entryApplies({ ...entry, target: 'configured' }, prod), true);
    assert.equal(entryApplies({ ...entry, target: 'reference' }, prod), false);
    assert.equal(entryApplies({ ...entry, target: 'https://glance.prod.example.com:9292' }, prod), true);
    assert.equal(entryApplies({ ...entry, target: 'https://GLANCE.prod.example.com*' }, prod), true);
    assert.equal(entryApplies({ ...entry, target: 'https://glance.staging.example.com*' }, prod), false);
    assert.equal(entryApplies({ ...entry, target: '*' }, { kind: 'configured' }), false, 'no endpoint known');
  });

  it('release: the CURRENT version of GET /; never when the run does not know it', () => {
    const entry = { index: 0, id: 'x', reason: 'r' };
    assert.equal(entryApplies({ ...entry, release: 'v2.15' }, prod), true);
    assert.equal(entryApplies({ ...entry, release: 'v2.1*' }, prod), true);
    assert.equal(entryApplies({ ...entry, release: 'v2.17' }, prod), false);
    assert.equal(entryApplies({ ...entry, release: 'v2*' }, { ...prod, glanceVersion: 'unknown' }), false);
    assert.equal(entryApplies({ ...entry, release: 'v2*', target: 'reference' }, prod), false);
    assert.equal(entryApplies(entry, { kind: 'reference' }), true, 'no target or release: everywhere');
  });

  it('release: a family the run read from the target', () => {
    const entry = { index: 0, id: 'x', reason: 'r' };
    assert.equal(entryApplies({ ...entry, release: '2026.2' }, { ...prod, releaseFamily: '2026.2' }), true);
    assert.equal(entryApplies({ ...entry, release: 'zed' }, { ...prod, releaseFamily: '2026.2' }), false);
    assert.equal(entryApplies({ ...entry, release: 'zed' }, prod), false, 'family unknown');
  });

  it('finalStatus: failed → expected-fail, passed → unexpected-pass; skipped and blocked stay; unlisted untouched', () => {
    const entry = { index: 0, id: 'x', reason: 'r' };
    assert.equal(finalStatus('failed', entry), 'expected-fail');
    assert.equal(finalStatus('passed', entry), 'unexpected-pass');
    assert.equal(finalStatus('skipped', entry), 'skipped');
    assert.equal(finalStatus('blocked', entry), 'blocked');
    assert.equal(finalStatus('failed', undefined), 'failed');
    assert.equal(finalStatus('passed', undefined), 'passed');
  });
});

describe('applyExpectations', () => {
  const expectations: Expectations = {
    file: FILE,
    strict: false,
    entries: [
      { index: 0, id: 'images.*', target: 'https://glance.staging.example.com*', reason: 'staging only' },
      {
        index: 1,
        id: 'images.create.minimal',
        reason: 'db not synced on this cloud',
        bug: 'https://bugs.example/1',
      },
      { index: 2, id: 'images.*', reason: 'everything in images' },
      { index: 3, id: 'discovery.versions.root-300', reason: 'was broken' },
      { index: 4, id: 'tasks.*', reason: 'skipped anyway' },
      { index: 5, id: 'metadefs.*', reason: 'no such check here' },
      { index: 6, id: 'metadefs.*', release: 'v2.17', reason: 'another release' },
    ],
  };
  const before = sampleChecks();
  const { checks, section } = applyExpectations(before, expectations, prod);
  const byId = new Map(checks.map((c) => [c.id, c]));

  it('takes, per check, the first entry in file order that applies to this target', () => {
    assert.deepEqual(
      checks.map((c) => [c.id, c.status, c.expectation?.index]),
      [
        ['discovery.versions.root-300', 'unexpected-pass', 3],
        ['images.create.minimal', 'expected-fail', 1],
        ['images.list.existing', 'expected-fail', 2],
        ['images.upload.raw', 'blocked', undefined],
        ['images.show.unknown-id', 'expected-fail', 2],
        ['tasks.import.web-download', 'skipped', undefined],
      ],
    );
  });

  it('keeps the cause, error and evidence as they were, and only adds the entry', () => {
    const failed = before[1]!;
    const { status, expectation, ...rest } = byId.get('images.create.minimal')!;
    const { status: _was, ...restBefore } = failed;
    assert.deepEqual(rest, restBefore);
    assert.equal(status, 'expected-fail');
    assert.deepEqual(expectation, expectations.entries[1]);
    assert.deepEqual(byId.get('images.upload.raw'), before[3], 'blocked by its cause, unchanged');
    assert.deepEqual(byId.get('images.upload.raw')?.cause, dbNotSynced);
    assert.equal(before[1]!.status, 'failed', 'the runner results are not modified');
  });

  it('stale: entries for this target whose id matches no check of the selection; others are out of scope', () => {
    assert.deepEqual(section, {
      file: FILE,
      strict: false,
      entries: 7,
      inScope: 5,
      stale: [expectations.entries[5]],
    });
  });

  it('strictFailure: only with --strict and an unexpected pass, naming the checks', () => {
    assert.equal(strictFailure(checks, expectations), undefined);
    assert.equal(
      strictFailure(checks, { ...expectations, strict: true }),
      '1 check listed as expected to fail in known.yaml passed (--strict): discovery.versions.root-300',
    );
    const onlyFailures: CheckResult[] = checks.filter((c) => c.status !== 'unexpected-pass');
    assert.equal(strictFailure(onlyFailures, { ...expectations, strict: true }), undefined);
  });
});
