import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { renderConfig } from '../../src/config/render.js';
import { crossCheckRelease, judgeSchema, resolveDbTarget, ZED_TABLES } from '../../src/db/index.js';

const ids = (f: { findings: readonly { id: string }[] }) => f.findings.map((x) => x.id);

describe('judgeSchema', () => {
  it('names an empty database db.not-synced', () => {
    const s = judgeSchema('glance', [], null);
    assert.deepEqual(ids(s), ['db.not-synced']);
    assert.match(s.findings[0]?.fix ?? '', /glance-manage db_sync/);
  });

  it('passes the 14 Zed tables at wallaby_contract01', () => {
    const s = judgeSchema('glance', ZED_TABLES, 'wallaby_contract01');
    assert.deepEqual(ids(s), []);
    assert.equal(s.family, 'zed');
  });

  it('names a dropped table (half-migrated) with the table', () => {
    const s = judgeSchema(
      'glance',
      ZED_TABLES.filter((t) => t !== 'task_info'),
      'wallaby_contract01',
    );
    assert.deepEqual(ids(s), ['db.tables-missing']);
    assert.match(s.findings[0]?.detail ?? '', /task_info/);
  });

  it('expects node_reference and cached_images from 2024.1 on', () => {
    const s = judgeSchema('glance', ZED_TABLES, '2024_1_contract01');
    assert.deepEqual(ids(s), ['db.tables-missing']);
    assert.match(s.findings[0]?.detail ?? '', /node_reference, cached_images/);
    assert.deepEqual(
      ids(judgeSchema('glance', [...ZED_TABLES, 'node_reference', 'cached_images'], '2024_1_contract01')),
      [],
    );
    assert.deepEqual(ids(judgeSchema('glance', ZED_TABLES, '2023_1_contract01')), []);
  });

  it('names pending migrate/contract, an unknown, an older and a missing head', () => {
    assert.deepEqual(ids(judgeSchema('glance', ZED_TABLES, '2023_1_expand01')), ['db.pending-migrations']);
    assert.deepEqual(ids(judgeSchema('glance', ZED_TABLES, '2031_1_contract07')), ['db.head-unknown']);
    assert.deepEqual(ids(judgeSchema('glance', ZED_TABLES, 'ussuri_contract01')), ['db.head-older']);
    assert.deepEqual(ids(judgeSchema('glance', ['images'], null)), ['db.head-missing']);
  });
});

describe('crossCheckRelease', () => {
  it('accepts a Zed database behind a v2.15 or v2.16 API', () => {
    assert.equal(crossCheckRelease('zed', 'v2.15').consistent, true);
    assert.equal(crossCheckRelease('zed', 'v2.16').consistent, true);
  });

  it('flags a Zed database behind a newer API, and a deployment said to be Zed on a later head', () => {
    assert.equal(crossCheckRelease('zed', 'v2.17').finding?.id, 'db.release-mismatch');
    assert.equal(crossCheckRelease('2024.1+', 'v2.15', 'zed').finding?.id, 'db.release-mismatch');
    assert.equal(crossCheckRelease('2023', 'v2.15', '2023').consistent, true);
  });

  it('says so when the API was not read', () => {
    const r = crossCheckRelease('zed', undefined);
    assert.equal(r.consistent, true);
    assert.match(r.note, /not cross-checked/);
  });
});

describe('DB access from the configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-db-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = (flags: Record<string, string>, env: Record<string, string> = {}) =>
    resolveConfig({ flags, env, cwd: dir, homeDir: dir, systemDir: dir });

  it('takes --db, then GLANCE_HARNESS_DB_URL, and masks the password in `config`', () => {
    const c = cfg({}, { GLANCE_HARNESS_DB_URL: 'mysql://ro:hunter22@db/glance' });
    assert.equal(resolveDbTarget(c)?.from, 'env GLANCE_HARNESS_DB_URL');
    const out = renderConfig(c, { json: false });
    assert.match(out, /db\.url\s+mysql:\/\/ro:\*\*\*@db\/glance\s+env GLANCE_HARNESS_DB_URL/);
    assert.ok(!out.includes('hunter22'));
    assert.ok(!renderConfig(c, { json: true }).includes('hunter22'));
    const f = cfg(
      { db: 'mysql://ro:x@flaghost/glance' },
      { GLANCE_HARNESS_DB_URL: 'mysql://ro:y@envhost/glance' },
    );
    assert.equal(resolveDbTarget(f)?.spec.host, 'flaghost');
  });

  it("reads glance-api.conf's [database] connection, naming the file and line", () => {
    const conf = join(dir, 'glance-api.conf');
    writeFileSync(
      conf,
      '[DEFAULT]\nbind_port = 9292\n\n[database]\nconnection = mysql+pymysql://glance:pw@127.0.0.1/glance\n',
    );
    const t = resolveDbTarget(
      cfg({ glanceConfig: conf }, { GLANCE_HARNESS_DB_URL: 'mysql://ro:y@envhost/glance' }),
    );
    assert.equal(t?.spec.host, '127.0.0.1');
    assert.equal(t?.from, `${conf}:5 [database] connection`);
    writeFileSync(conf, '[database]\nconnection = sqlite:////var/lib/glance/glance.sqlite\n');
    assert.throws(
      () => resolveDbTarget(cfg({ glanceConfig: conf })),
      /glance-api\.conf:2 \[database\] connection: sqlite/,
    );
    writeFileSync(conf, '[DEFAULT]\ndebug = true\n');
    assert.throws(() => resolveDbTarget(cfg({ glanceConfig: conf })), /has no \[database\] connection/);
    assert.throws(
      () => resolveDbTarget(cfg({ glanceConfig: join(dir, 'nope.conf') })),
      /cannot read .*nope\.conf/,
    );
  });

  it('names no database when nothing is given', () => {
    assert.equal(resolveDbTarget(cfg({})), undefined);
  });
});
