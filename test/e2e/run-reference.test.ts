import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GlanceClient } from '../../src/glance/index.js';
import { HttpClient } from '../../src/http/client.js';
import { StaticTokens } from '../../src/keystone/index.js';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import { runImageName, runTags } from '../../src/run/naming.js';
import { type CliResult, referenceEnv, runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-e2e-'));
let ref: ReferenceServer;

before(async () => {
  ref = await startReference({});
});
after(async () => {
  await ref.close();
  rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd: work, env });
}

function adminEnv(): Record<string, string> {
  return referenceEnv(ref);
}

describe('glance-harness run against the embedded reference', () => {
  it('passes the discovery suite with an openrc, writing summary, JUnit, Allure results and evidence without secrets', async () => {
    const r = await cli(['run', '--suite', 'discovery'], adminEnv());
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(
      r.stderr,
      /^\d+ checks: \d+ passed, 0 failed, 0 blocked, 0 skipped \([\d.]+ s\) — ok, exit 0$/m,
    );
    const latest = join(work, 'reports', 'latest');
    const summary = JSON.parse(readFileSync(join(latest, 'summary.json'), 'utf8'));
    assert.equal(summary.outcome, 'ok');
    assert.equal(summary.target.glanceVersion, 'v2.15');
    assert.equal(summary.target.endpointSource, 'catalog');
    assert.ok(summary.totals.passed >= 10);
    assert.equal(summary.totals.failed, 0);
    assert.ok(summary.checks.every((c: { id: string }) => /^[a-z]+\.[a-z0-9-]+\.[a-z0-9-]+$/.test(c.id)));
    const junit = readFileSync(join(latest, 'junit.xml'), 'utf8');
    assert.match(junit, /<testsuites[^>]* tests="\d+"[^>]* failures="0"/);
    assert.ok(readdirSync(join(latest, 'allure-results')).some((f) => f.endsWith('-result.json')));
    const evidence = readdirSync(join(latest, 'evidence'))
      .map((f) => readFileSync(join(latest, 'evidence', f), 'utf8'))
      .join('');
    assert.ok(evidence.includes('"status":300'));
    const password = adminEnv().OS_PASSWORD!;
    for (const dir of ['summary.json', 'junit.xml'])
      assert.ok(!readFileSync(join(latest, dir), 'utf8').includes(password));
    assert.ok(!evidence.includes(password), 'no password in evidence');
    assert.ok(!/"x-auth-token":"(?!\*\*\*)/.test(evidence), 'no token in evidence');
  });

  it('with --auth-type none skips the Keystone checks and says why', async () => {
    const noauth = await startReference({ auth: 'none' });
    try {
      const r = await cli([
        'run',
        '--json',
        '--suite',
        'discovery',
        '--auth-type',
        'none',
        '--endpoint',
        noauth.glanceUrl,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout);
      const skipped = summary.checks.filter((c: { status: string }) => c.status === 'skipped');
      const skippedDiscovery = skipped
        .map((c: { id: string }) => c.id)
        .filter((checkId: string) => checkId.startsWith('discovery.'))
        .sort();
      assert.deepEqual(skippedDiscovery, [
        'discovery.auth.bad-token',
        'discovery.auth.token-required',
        'discovery.catalog.interfaces-agree',
      ]);
      assert.ok(skipped.every((c: { skipReason?: string }) => (c.skipReason ?? '').length > 10));
    } finally {
      await noauth.close();
    }
  });

  it('fails (exit 1) with the cause in the summary when Glance answers 500 (db-not-synced)', async () => {
    ref.setFault('db-not-synced');
    try {
      const r = await cli(['run', '--suite', 'discovery'], adminEnv());
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8'));
      const failed = summary.checks.find((c: { id: string }) => c.id === 'discovery.errors.json-404');
      assert.equal(failed.status, 'failed');
      assert.match(failed.error, /Expected 404 from GET \/v2\/images\/[0-9a-f-]+, got 500 \(req-/);
      const root = summary.checks.find((c: { id: string }) => c.id === 'discovery.versions.root-300');
      assert.equal(root.status, 'passed', 'GET / still answers 300 without a database');
    } finally {
      ref.setFault(null);
    }
  });
});

describe('glance-harness cleanup', () => {
  it('deletes only images with the prefix, the harness tag and the run tag', async () => {
    const noauth = await startReference({ auth: 'none' });
    const http = new HttpClient();
    const glance = new GlanceClient(noauth.glanceUrl, http, new StaticTokens(undefined));
    try {
      const runId = '20261122-000000-beef';
      const mk = async (name: string, tags: string[]): Promise<string> => {
        const res = await glance.images.create({ name, disk_format: 'raw', container_format: 'bare', tags });
        assert.equal(res.status, 201);
        return (res.body as { id: string }).id;
      };
      const mine = await mk(runImageName('gh', runId, 'a'), runTags(runId));
      const otherRun = await mk(
        runImageName('gh', '20261122-000000-cafe', 'b'),
        runTags('20261122-000000-cafe'),
      );
      const untagged = await mk(runImageName('gh', runId, 'c'), []);
      const foreign = await mk('cirros', runTags(runId));
      const r = await cli([
        'cleanup',
        '--run-id',
        runId,
        '--auth-type',
        'none',
        '--endpoint',
        noauth.glanceUrl,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await glance.images.show(mine)).status, 404);
      for (const kept of [otherRun, untagged, foreign])
        assert.equal((await glance.images.show(kept)).status, 200);
      const all = await cli(['cleanup', '--auth-type', 'none', '--endpoint', noauth.glanceUrl]);
      assert.equal(all.code, 0, all.stderr);
      assert.equal((await glance.images.show(otherRun)).status, 404);
      for (const kept of [untagged, foreign]) assert.equal((await glance.images.show(kept)).status, 200);
    } finally {
      await http.close();
      await noauth.close();
    }
  });
});
