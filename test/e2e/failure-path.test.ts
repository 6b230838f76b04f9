// The failure path end to end on the embedded reference: a broken link blocks the checks that need it
// and the recap names it once; clouds.yaml in the working directory reaches the workers; a refused
// login and a selection with nothing to check say so with their own outcome and exit code.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import { groupByCause } from '../../src/report/results.js';
import type { Summary } from '../../src/report/summary.js';
import { referenceEnv, runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-failure-path-'));
after(() => rmSync(work, { recursive: true, force: true }));

function latest(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'reports', 'latest', 'summary.json'), 'utf8')) as Summary;
}

async function withReference<T>(
  fault: 'db-not-synced' | null,
  body: (ref: ReferenceServer) => Promise<T>,
): Promise<T> {
  const ref = await startReference(fault ? { fault } : {});
  try {
    return await body(ref);
  } finally {
    await ref.close();
  }
}

describe('the failure path on the reference', () => {
  it('db-not-synced: the checks that need the database end blocked, the recap names the cause once', async () => {
    await withReference('db-not-synced', async (ref) => {
      const dir = mkdtempSync(join(work, 'dbns-'));
      const r = await runCli(['run', '--suite', 'images,update,data,lifecycle'], {
        cwd: dir,
        env: referenceEnv(ref),
      });
      assert.equal(r.code, 1, r.stderr);
      const s = latest(dir);
      assert.equal(s.outcome, 'failed');
      assert.ok(s.totals.blocked > 10, `blocked: ${s.totals.blocked}`);
      assert.ok(s.totals.failed <= 2, `failed before the block took hold: ${s.totals.failed}`);
      const groups = groupByCause(s.checks);
      assert.deepEqual(
        groups.map((g) => g.cause.id),
        ['db.not-synced'],
      );
      assert.equal(groups[0]?.cause.confidence, 'confirmed');
      for (const c of s.checks.filter((x) => x.status === 'blocked')) {
        assert.equal(c.cause?.id, 'db.not-synced');
        assert.match(c.skipReason ?? '', /^blocked by db\.not-synced: /);
      }
      const fix = groups[0]!.cause.fix;
      assert.equal(r.stderr.split(fix).length - 1, 1, 'the fix is printed once, in the recap');
      assert.match(
        r.stderr,
        /^Cleanup problems$/m,
        'the sweep failure is on the terminal, not only in summary.json',
      );
      const junit = readFileSync(join(dir, 'reports', 'latest', 'junit.xml'), 'utf8');
      assert.match(junit, new RegExp(`<testsuites[^>]* errors="${s.totals.blocked}"`));
    });
  });

  it('run --os-cloud with a clouds.yaml in the working directory: the workers get what the CLI resolved', async () => {
    await withReference(null, async (ref) => {
      const dir = mkdtempSync(join(work, 'cwd-cloud-'));
      const e = referenceEnv(ref);
      writeFileSync(
        join(dir, 'clouds.yaml'),
        [
          'clouds:',
          '  ref:',
          '    auth:',
          `      auth_url: ${e.OS_AUTH_URL}`,
          `      username: ${e.OS_USERNAME}`,
          `      password: ${e.OS_PASSWORD}`,
          `      project_name: ${e.OS_PROJECT_NAME}`,
          '      user_domain_name: Default',
          '      project_domain_name: Default',
          '    region_name: RegionOne',
          '',
        ].join('\n'),
      );
      const r = await runCli(['run', '--suite', 'discovery,images', '--os-cloud', 'ref'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.out, /no clouds\.yaml was found/);
      const s = latest(dir);
      assert.equal(s.totals.failed, 0);
      assert.ok(s.totals.passed > 20);
      const ctx = readFileSync(join(s.reports.dir, 'context.json'), 'utf8');
      assert.ok(!ctx.includes(e.OS_PASSWORD!), 'no password in the run context');
    });
  });

  it('Keystone refusing the credentials: auth-refused, exit 3, the Request-ID in the line', async () => {
    await withReference(null, async (ref) => {
      const dir = mkdtempSync(join(work, 'refused-'));
      const r = await runCli(['run', '--suite', 'discovery'], {
        cwd: dir,
        env: { ...referenceEnv(ref), OS_PASSWORD: 'Wrong-Secret-42' },
      });
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        /^auth-refused: Keystone refused the credentials .*\(HTTP 401\) \(Request-ID: req-[0-9a-f-]+\)/m,
      );
      assert.ok(!r.out.includes('Wrong-Secret-42'));
      const s = latest(dir);
      assert.equal(s.outcome, 'auth-refused');
      assert.equal(s.cause?.id, 'keystone.user-credentials');
      const evidence = readFileSync(join(s.reports.dir, 'evidence', 'cli.ndjson'), 'utf8');
      assert.match(evidence, /"path":"\/v3\/auth\/tokens"/);
      assert.ok(!evidence.includes('Wrong-Secret-42'), 'no password in the evidence');
    });
  });

  it('--suite db without a database: exit 2 naming the missing setting', async () => {
    await withReference(null, async (ref) => {
      const dir = mkdtempSync(join(work, 'nodb-'));
      const r = await runCli(['run', '--suite', 'db'], { cwd: dir, env: referenceEnv(ref) });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /every selected check was skipped.*no database access configured: set --db/);
      assert.equal(latest(dir).outcome, 'config-error');
    });
  });

  it('--read-only keeps --grep, and an invalid --grep is a usage error', async () => {
    await withReference(null, async (ref) => {
      const dir = mkdtempSync(join(work, 'grep-'));
      const r = await runCli(['run', '--read-only', '--grep', 'returns 300', '--suite', 'discovery,images'], {
        cwd: dir,
        env: referenceEnv(ref),
      });
      assert.equal(r.code, 0, r.stderr);
      const s = latest(dir);
      assert.ok(s.checks.length > 0);
      assert.ok(
        s.checks.every((c) => c.tags.includes('read-only') && /returns 300/.test(c.title)),
        JSON.stringify(s.checks.map((c) => c.id)),
      );
      const bad = await runCli(['run', '--grep', '(', '--suite', 'discovery'], {
        cwd: dir,
        env: referenceEnv(ref),
      });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^error: --grep: "\(" is not a valid regular expression/m);
    });
  });
});
