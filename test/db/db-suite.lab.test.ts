// The @db suite against the real lab: schema, drift and the lifecycle row checks all run and pass.
// Runs with GLANCE_HARNESS_LAB_TESTS=1 on a healthy lab (a shared lab lock is enough: it only creates its own images).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LAB_CLOUDS, labPaths } from '../../src/lab/index.js';

const ENABLED = process.env.GLANCE_HARNESS_LAB_TESTS === '1';
const SKIP = ENABLED
  ? false
  : 'not run: set GLANCE_HARNESS_LAB_TESTS=1 with a running lab (glance-harness lab up)';
const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));

interface Check {
  id: string;
  status: string;
  error?: string;
  skipReason?: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('the @db suite on the lab', { skip: SKIP }, () => {
  const work = mkdtempSync(join(tmpdir(), 'gh-db-suite-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('glance-harness run --suite db passes every schema, drift and row check, and writes no DB password', () => {
    const paths = labPaths();
    const dbUrl = readFileSync(paths.dbReadonlyUrl, 'utf8').trim();
    const password = /:\/\/[^:]+:([^@]+)@/.exec(dbUrl)?.[1] ?? '';
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
    const r = spawnSync(process.execPath, [BIN, 'run', '--suite', 'db'], {
      cwd: work,
      env: {
        ...clean,
        OS_CLIENT_CONFIG_FILE: paths.cloudsYaml,
        OS_CLOUD: LAB_CLOUDS.admin,
        GLANCE_HARNESS_DB_URL: dbUrl,
        GLANCE_HARNESS_REPORTS_DIR: join(work, 'reports'),
      },
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8')) as {
      checks: Check[];
    };
    const byId = new Map(summary.checks.map((c) => [c.id, c]));
    for (const id of [
      'db.schema.tables-for-head',
      'db.schema.release-matches-api',
      'db.drift.active-without-location',
      'db.drift.location-file-missing',
      'db.rows.after-upload',
      'db.rows.properties-tags',
      'db.rows.after-delete',
    ]) {
      assert.equal(byId.get(id)?.status, 'passed', `${id}: ${JSON.stringify(byId.get(id))}`);
    }
    assert.ok(!`${r.stdout}${r.stderr}`.includes(password), 'DB password in the output');
    for (const file of filesUnder(join(work, 'reports'))) {
      assert.ok(!readFileSync(file).includes(password), `DB password in ${file}`);
    }
  });
});
