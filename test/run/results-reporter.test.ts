// The results reporter fed the runner's events as Playwright delivers them: one CheckResult per test,
// the cause and the block carried as values, never recovered from a message.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckResult } from '../../src/report/results.js';
import { CONTEXT_ENV, type RunContext, writeRunContext } from '../../src/run/context.js';
import { dbNotSynced } from '../report/sample.js';

const SUITES = join(import.meta.dirname, '..', '..', 'suites');
const cause = dbNotSynced;

function context(runDir: string): RunContext {
  return {
    runId: 'r1',
    runDir,
    prefix: 'gh',
    selection: { suites: ['images'], readOnly: false },
    target: { kind: 'reference', endpoint: 'http://127.0.0.1:1', authType: 'password' },
    hashAlgo: 'sha512',
    http: { timeoutMs: 0, tls: { insecure: false } },
    latencyBudgetMs: 10_000,
    primary: { name: 'primary', endpoint: 'http://127.0.0.1:1', roles: ['admin'] },
    alt: { skipReason: 'none' },
    db: { skipReason: 'no db' },
    horizon: { skipReason: 'no horizon' },
    largeBytes: 0,
    progress: 'off',
    color: false,
    workers: 1,
    testTimeoutMs: 1000,
    serviceUrl: 'http://127.0.0.1:1',
    liveSchemas: { family: 'zed', bodies: {}, findings: [] },
  };
}

function testCase(id: string, file: string, tags: string[] = ['@images']) {
  return {
    title: `title of ${id}`,
    annotations: [{ type: 'id', description: id }],
    tags,
    location: { file: join(SUITES, file), line: 1, column: 1 },
  };
}

function result(status: string, extra: Record<string, unknown> = {}) {
  return {
    status,
    duration: 12.4,
    startTime: new Date('2026-12-03T10:00:00Z'),
    errors: [],
    attachments: [],
    annotations: [],
    ...extra,
  };
}

const checkAttachment = (body: unknown) => ({
  name: 'glance-harness-check',
  contentType: 'application/json',
  body: Buffer.from(JSON.stringify(body)),
});

describe('results reporter', () => {
  let dir: string;
  let checks: CheckResult[];
  let stderr = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-reporter-'));
    process.env[CONTEXT_ENV] = writeRunContext(context(dir));
    const { default: Reporter } = await import('../../suites/reporters/results-reporter.js');
    const r = new Reporter();
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      stderr += chunk;
      return true;
    }) as typeof process.stderr.write;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: Playwright's event objects, reduced to what the reporter reads
      const ev = (x: unknown) => x as any;
      r.onBegin(ev({}), ev({ allTests: () => [1, 2, 3, 4] }));
      r.onTestEnd(ev(testCase('images.a', 'images/a.spec.ts')), ev(result('passed')));
      r.onTestEnd(
        ev(testCase('images.b', 'images/a.spec.ts')),
        ev(
          result('failed', {
            errors: [
              { message: '\u001b[31mExpected 201 from POST /v2/images, got 500\u001b[39m\n    at x.ts:1' },
            ],
            attachments: [checkAttachment({ cause, requestIds: ['req-1', 'req-2'] })],
          }),
        ),
      );
      r.onTestEnd(
        ev(testCase('data.c', 'data/c.spec.ts', ['@data'])),
        ev(
          result('skipped', {
            annotations: [
              { type: 'glance-harness-blocked', description: JSON.stringify(cause) },
              { type: 'skip', description: 'blocked by db.not-synced: Glance database has no tables' },
            ],
          }),
        ),
      );
      r.onTestEnd(
        ev({
          ...testCase('db.d', 'db/d.spec.ts', ['@db']),
          annotations: [
            { type: 'id', description: 'db.d' },
            { type: 'skip', description: 'no database access configured' },
          ],
        }),
        ev(result('skipped')),
      );
    } finally {
      process.stderr.write = write;
    }
    checks = readFileSync(join(dir, 'results.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CheckResult);
  });

  after(() => {
    delete process.env[CONTEXT_ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one result per check with its id, suite name, file and status', () => {
    assert.deepEqual(
      checks.map((c) => [c.id, c.suite, c.file, c.status]),
      [
        ['images.a', 'images', 'images/a.spec.ts', 'passed'],
        ['images.b', 'images', 'images/a.spec.ts', 'failed'],
        ['data.c', 'data', 'data/c.spec.ts', 'blocked'],
        ['db.d', 'db', 'db/d.spec.ts', 'skipped'],
      ],
    );
  });

  it('carries the cause as the value the check attached, and the error without colours or stack', () => {
    assert.deepEqual(checks[1]?.cause, cause);
    assert.equal(checks[1]?.error, 'Expected 201 from POST /v2/images, got 500');
    assert.deepEqual(checks[1]?.requestIds, ['req-1', 'req-2']);
  });

  it('a blocked check names its cause and says why it did not run', () => {
    assert.deepEqual(checks[2]?.cause, cause);
    assert.equal(checks[2]?.skipReason, 'blocked by db.not-synced: Glance database has no tables');
    assert.equal(checks[3]?.skipReason, 'no database access configured');
  });

  it('prints [n/N] with the elapsed time, one line per check, the cause id on a failure', () => {
    assert.match(stderr, /^\[1\/4 \d+\.\ds\] PASS images\.a {2}title of images\.a \(12 ms\)$/m);
    assert.match(stderr, /^\[2\/4 \d+\.\ds\] FAIL images\.b .* cause db\.not-synced$/m);
    assert.match(stderr, /^\[3\/4 \d+\.\ds\] BLOCKED data\.c by db\.not-synced$/m);
    assert.ok(!stderr.includes(cause.fix), 'the fix is printed once, in the recap');
  });
});
