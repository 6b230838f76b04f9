import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gh-dbcli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('OS_') && !k.startsWith('GLANCE_HARNESS_')),
  );
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: work,
    env: { ...clean, HOME: work, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('glance-harness db check exit codes', () => {
  it('exits 2 with one line when no database is configured', () => {
    const r = cli(['db', 'check']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: No database configured: set --db mysql:\/\/.*GLANCE_HARNESS_DB_URL/m);
  });

  it('exits 2 for a bad GLANCE_HARNESS_DB_URL without printing the password', () => {
    const r = cli(['db', 'check'], { GLANCE_HARNESS_DB_URL: 'mysql://glance:Sekr1t-pw@db:70000/glance' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: GLANCE_HARNESS_DB_URL: port "70000" is not a number from 1 to 65535/m);
    assert.ok(!r.stderr.includes('Sekr1t-pw'));
  });

  it('exits 3 when nothing listens, with --json still a report', () => {
    const r = cli([
      'db',
      'check',
      '--json',
      '--db',
      'mysql://ro:Sekr1t-pw@127.0.0.1:9/glance?connect_timeout=3',
    ]);
    assert.equal(r.code, 3);
    const report = JSON.parse(r.stdout);
    assert.equal(report.outcome, 'unreachable');
    assert.equal(report.facts.reachable, false);
    assert.equal(report.facts.error.code, 'ECONNREFUSED');
    assert.ok(!`${r.stdout}${r.stderr}`.includes('Sekr1t-pw'));
  });

  it('exits 2 for an unknown --release', () => {
    const r = cli(['db', 'check', '--release', 'antelope', '--db', 'mysql://ro@127.0.0.1:9/glance']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--release must be one of zed, 2023, 2024\.1\+/);
  });
});
