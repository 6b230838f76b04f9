// `glance-harness db check` on the real lab's MariaDB: healthy, unreachable, drift, empty and half-migrated DBs.
// Runs with GLANCE_HARNESS_LAB_TESTS=1 on a healthy lab, holding the lab lock exclusively (it breaks and restores).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src/config/index.js';
import { rawImageStream } from '../../src/data/index.js';
import type { DbCheckReport } from '../../src/db/index.js';
import type { Image } from '../../src/glance/index.js';
import { LAB_CLOUDS, labPaths, runLabCaptured } from '../../src/lab/index.js';
import { connect, type Target } from '../../src/target.js';

const ENABLED = process.env.GLANCE_HARNESS_LAB_TESTS === '1';
const SKIP = ENABLED
  ? false
  : 'not run: set GLANCE_HARNESS_LAB_TESTS=1 with a running lab (glance-harness lab up)';
const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));
const paths = labPaths();
const GLANCE_CONF = '/etc/glance/glance-api.conf';

let dbUrl = '';
let dbPassword = '';

function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('OS_') && !k.startsWith('GLANCE_HARNESS_DB')),
  );
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const out = { code: r.status, stdout: r.stdout, stderr: r.stderr };
  assert.ok(!`${out.stdout}${out.stderr}`.includes(dbPassword), 'the DB password was printed');
  return out;
}

function check(
  extra: string[] = [],
  env: Record<string, string> = {},
): { code: number | null; report: DbCheckReport } {
  const r = cli(['db', 'check', '--json', ...extra], { GLANCE_HARNESS_DB_URL: dbUrl, ...env });
  assert.ok(r.stdout.trim().startsWith('{'), `no JSON report: ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as DbCheckReport };
}

const ids = (report: DbCheckReport) => report.facts.findings.map((f) => f.id);

/** MySQL as root over the local socket (the lab's admin access; the harness never does this). */
function rootSql(statement: string): string {
  const r = spawnSync('mysql', ['--protocol=socket', '-uroot', '-N', '-B', '-e', statement], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `mysql -e "${statement}": ${r.stderr}`);
  return r.stdout;
}

async function lab(args: string[]): Promise<void> {
  const run = await runLabCaptured(args);
  assert.equal(run.code, 0, `lab ${args.join(' ')} exited ${run.code}\n${run.stdout}${run.stderr}`);
}

/** Runs `body`, then `lab restore` whatever happened, and proves db check is clean again. */
async function thenRestore(body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } finally {
    await lab(['restore']);
  }
  const healthy = check();
  assert.equal(healthy.code, 0, `db check after restore: ${JSON.stringify(healthy.report.facts.findings)}`);
  assert.equal(healthy.report.facts.tables.length, 14);
}

describe('db check on the lab', { skip: SKIP }, () => {
  let target: Target | undefined;
  const created: string[] = [];

  before(async () => {
    dbUrl = readFileSync(paths.dbReadonlyUrl, 'utf8').trim();
    dbPassword = /:\/\/[^:]+:([^@]+)@/.exec(dbUrl)?.[1] ?? '';
    assert.ok(dbPassword.length >= 8, 'the read-only URL carries a password');
    const cfg = resolveConfig({
      flags: {},
      env: { OS_CLIENT_CONFIG_FILE: paths.cloudsYaml, OS_CLOUD: LAB_CLOUDS.admin },
      cwd: process.cwd(),
      homeDir: homedir(),
    });
    target = await connect(cfg);
  });

  after(async () => {
    for (const imageId of created) await target?.glance.images.delete(imageId).catch(() => undefined);
    await target?.close();
  });

  it('passes on the healthy lab: 14 tables, wallaby_contract01, Zed, consistent with the API v2.15', () => {
    const { code, report } = check([], {
      OS_CLIENT_CONFIG_FILE: paths.cloudsYaml,
      OS_CLOUD: LAB_CLOUDS.admin,
    });
    assert.equal(code, 0, JSON.stringify(report.facts.findings));
    assert.equal(report.outcome, 'ok');
    assert.equal(report.facts.tables.length, 14);
    assert.equal(report.facts.alembicHead, 'wallaby_contract01');
    assert.equal(report.facts.family, 'zed');
    assert.equal(report.facts.release?.apiCurrent, 'v2.15');
    assert.equal(report.facts.release?.consistent, true);
    assert.equal(report.facts.database, dbUrl.replace(`:${dbPassword}@`, ':***@'));
  });

  it("reads the connection from glance-api.conf's [database] connection and names the line", () => {
    const r = cli(['db', 'check', '--glance-config', GLANCE_CONF]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`from ${GLANCE_CONF}:\\d+ \\[database\\] connection`));
    assert.match(r.stdout, /ok: no findings/);
  });

  it('connects over the unix socket with charset, and applies TLS options (the lab MariaDB has no TLS)', () => {
    const socket = dbUrl.replace(
      '@127.0.0.1:3306/glance',
      '@/glance?unix_socket=/run/mysqld/mysqld.sock&charset=utf8',
    );
    const viaSocket = cli(['db', 'check', '--db', socket.replace('mysql://', 'mysql+pymysql://')]);
    assert.equal(viaSocket.code, 0, viaSocket.stdout + viaSocket.stderr);
    const required = cli(['db', 'check', '--db', `${dbUrl}?ssl_mode=REQUIRED`]);
    assert.equal(required.code, 3);
    assert.match(required.stderr, /^error: .*HANDSHAKE_NO_SSL_SUPPORT/m);
    assert.equal(cli(['db', 'check', '--db', `${dbUrl}?ssl_mode=PREFERRED`]).code, 0);
  });

  it('exits 3 with one line when MySQL refuses the connection or the password', () => {
    const refused = cli(['db', 'check', '--db', dbUrl.replace(':3306/', ':1/')]);
    assert.equal(refused.code, 3);
    assert.match(
      refused.stderr,
      /^error: MySQL unreachable at 127\.0\.0\.1:1: connection refused \(ECONNREFUSED\)$/m,
    );
    const wrong = cli(['db', 'check', '--db', dbUrl.replace(`:${dbPassword}@`, ':not-the-password@')]);
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /^error: MySQL at 127\.0\.0\.1:3306 refused user "glance_harness_ro"/m);
    assert.ok(!wrong.stderr.includes('not-the-password'));
  });

  it('exits 2 with one line for a malformed URL, without the password', () => {
    const r = cli(['db', 'check', '--db', dbUrl.replace(':3306/glance', ':3306')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: --db: no database name .*:\*\*\*@127\.0\.0\.1:3306"\)$/m);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('names an active location whose file is gone, and an active image without an active location, with ids', async () => {
    assert.ok(target);
    const res = await target.glance.images.create({
      name: `gh-labtest-${randomBytes(3).toString('hex')}-db-drift`,
      disk_format: 'raw',
      container_format: 'bare',
      tags: ['glance-harness'],
    });
    assert.equal(res.status, 201);
    const image = res.body as Image;
    created.push(image.id);
    const up = await target.glance.data.upload(image.id, { stream: rawImageStream(65_536), size: 65_536 });
    assert.equal(up.status, 204);
    const file = `${paths.store}/${image.id}`;
    renameSync(file, `${file}.moved`);
    try {
      const { code, report } = check();
      assert.equal(code, 1);
      const missing = report.facts.findings.find((f) => f.id === 'db.drift.location-file-missing');
      assert.ok(missing, `findings: ${ids(report).join(', ')}`);
      assert.ok(
        missing.ids?.some((x) => x.startsWith(image.id)),
        `ids: ${missing.ids?.join(', ')}`,
      );
    } finally {
      renameSync(`${file}.moved`, file);
    }
    rootSql(`UPDATE glance.image_locations SET status = 'pending_delete' WHERE image_id = '${image.id}'`);
    try {
      const { code, report } = check();
      assert.equal(code, 1);
      const orphan = report.facts.findings.find((f) => f.id === 'db.drift.active-without-location');
      assert.deepEqual(orphan?.ids, [image.id]);
    } finally {
      rootSql(`UPDATE glance.image_locations SET status = 'active' WHERE image_id = '${image.id}'`);
    }
    assert.equal(check().code, 0);
  });

  it('on an emptied glance database (lab break db-not-synced) exits 1 naming db.not-synced', async () => {
    await lab(['break', 'db-not-synced']);
    await thenRestore(() => {
      const { code, report } = check();
      assert.equal(code, 1);
      assert.deepEqual(ids(report), ['db.not-synced']);
      assert.deepEqual(report.facts.tables, []);
      const human = cli(['db', 'check'], { GLANCE_HARNESS_DB_URL: dbUrl });
      assert.match(human.stdout, /FINDING db\.not-synced .*\n {2}fix: Run `glance-manage db_sync`/);
    });
  });

  it('on a half-migrated database (a table dropped) exits 1 naming db.tables-missing, and restore brings it back', async () => {
    rootSql('DROP TABLE glance.task_info');
    await thenRestore(() => {
      const { code, report } = check();
      assert.equal(code, 1);
      assert.deepEqual(ids(report), ['db.tables-missing']);
      assert.match(report.facts.findings[0]?.detail ?? '', /task_info/);
    });
  });
});
