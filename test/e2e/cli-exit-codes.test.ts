import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gh-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs the CLI in an empty directory with no OS_* variables and no clouds.yaml in reach. */
function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: work,
    env: { ...clean, HOME: work, GLANCE_HARNESS_REPORTS_DIR: join(work, 'reports'), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('glance-harness exit codes', () => {
  it('run with no target configured says so in its first line and uses the embedded reference', () => {
    const r = cli(['run', '--suite', 'discovery', '--read-only']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr.split('\n')[0] ?? '',
      /no target configured, so running .* embedded reference Glance/,
    );
    const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8'));
    assert.equal(summary.target.kind, 'reference');
  });

  it('cleanup exits 2 with one line when no target is configured', () => {
    const r = cli(['cleanup']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: No Glance target configured/m);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  });

  it('exits 3 with one line when the endpoint refuses connections, and still writes summary.json', () => {
    const r = cli(['run', '--auth-type', 'none', '--endpoint', 'http://127.0.0.1:9']);
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /Glance unreachable at http:\/\/127\.0\.0\.1:9: connection refused \(ECONNREFUSED\)/,
    );
    const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8'));
    assert.equal(summary.exitCode, 3);
    assert.equal(summary.outcome, 'unreachable');
    assert.deepEqual(summary.totals, { total: 0, passed: 0, failed: 0, skipped: 0, blocked: 0 });
  });

  it('exits 3 when Keystone does not answer, naming OS_AUTH_URL, without printing the password', () => {
    const r = cli(['run'], {
      OS_AUTH_URL: 'http://127.0.0.1:9/v3',
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'TopSecret-42',
      OS_PROJECT_NAME: 'admin',
    });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /Keystone unreachable: .*connection refused.*Check OS_AUTH_URL/);
    assert.ok(!`${r.stdout}${r.stderr}`.includes('TopSecret-42'));
    assert.ok(
      !readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8').includes('TopSecret-42'),
    );
  });

  it('exits 2 on an unknown flag, an unknown suite and a malformed setting', () => {
    assert.equal(cli(['run', '--bogus']).code, 2);
    const suite = cli(['run', '--suite', 'nope', '--auth-type', 'none', '--endpoint', 'http://127.0.0.1:9']);
    assert.equal(suite.code, 2);
    assert.match(suite.stderr, /unknown suite "nope"/);
    const bad = cli(['config'], { OS_AUTH_URL: '5000' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /OS_AUTH_URL must be an absolute http\(s\) URL \(got "5000"\)/);
  });

  it('exits 2 naming the file and line of a broken clouds.yaml', () => {
    writeFileSync(join(work, 'clouds.yaml'), 'clouds:\n  lab:\n    auth: [unclosed\n');
    const r = cli(['config', '--os-cloud', 'lab']);
    rmSync(join(work, 'clouds.yaml'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /clouds\.yaml.*line \d+/);
  });

  it('config masks the password and names each source', () => {
    const r = cli(['config', '--json'], {
      OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'TopSecret-42',
      OS_PROJECT_NAME: 'admin',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('TopSecret-42'));
    const doc = JSON.parse(r.stdout) as { settings: Array<{ key: string; value: unknown; source: string }> };
    const pw = doc.settings.find((s) => s.key === 'auth.password');
    assert.deepEqual(pw, { key: 'auth.password', value: '***', source: 'env OS_PASSWORD' });
  });
});
