import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import type { DbFacts } from '../../src/diagnosis/index.js';
import type { LintHost } from '../../src/doctor/config-lint.js';
import type { DbTarget } from '../../src/doctor/db.js';
import { reportJson, stepLine } from '../../src/doctor/render.js';
import type { DoctorReport, DoctorStep } from '../../src/doctor/types.js';
import { runDoctor } from '../../src/doctor/walk.js';
import { EvidenceRecorder } from '../../src/http/evidence.js';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import { connect } from '../../src/target.js';
import { referenceEnv } from '../helpers/cli.js';
import { cli } from './cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-doctor-'));
let ref: ReferenceServer;
before(async () => {
  ref = await startReference({});
});
after(async () => {
  await ref.close();
  rmSync(work, { recursive: true, force: true });
});

function config(extra: Record<string, string> = {}) {
  return resolveConfig({ flags: {}, env: { ...referenceEnv(ref), ...extra }, cwd: work, homeDir: work });
}

function glanceConf(
  dbUrl: string,
  storeDir: string,
  bindPort = '9292',
  defaults: readonly string[] = [],
): string {
  const file = join(work, `glance-api-${Math.random().toString(16).slice(2)}.conf`);
  writeFileSync(
    file,
    [
      '[DEFAULT]',
      'bind_host = 127.0.0.1',
      `bind_port = ${bindPort}`,
      'enabled_backends = fs:file',
      ...defaults,
      '[database]',
      `connection = ${dbUrl}`,
      '[keystone_authtoken]',
      'www_authenticate_uri = http://127.0.0.1:5000',
      'auth_url = http://127.0.0.1:5000',
      'auth_type = password',
      'username = glance',
      'password = s3cret-service',
      'project_name = service',
      '[paste_deploy]',
      'flavor = keystone',
      '[glance_store]',
      'default_backend = fs',
      '[fs]',
      `filesystem_store_datadir = ${storeDir}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** A host without a glance user: the store directory's permissions are not judged. */
const NO_HOST: LintHost = {
  passwd: '/nonexistent',
  group: '/nonexistent',
  fstab: '/nonexistent',
  user: 'glance',
};
const DB_URL = 'mysql+pymysql://glance:pw@127.0.0.1/glance';

function lines(report: DoctorReport): string {
  return report.steps.map((s) => stepLine(s)).join('\n');
}

function stepOf(report: DoctorReport, name: string): DoctorStep {
  const step = report.steps.find((s) => s.name === name);
  assert.ok(step, `no ${name} step in:\n${lines(report)}`);
  return step;
}

/** The images carrying a run's tag, as the harness's own client lists them. */
async function taggedImages(runId: string): Promise<unknown[] | undefined> {
  const target = await connect(config());
  try {
    const res = await target.glance.images.list({ tag: `gh-run-${runId}` });
    assert.equal(res.status, 200);
    return res.body?.images;
  } finally {
    await target.close();
  }
}

describe('glance-harness doctor on the reference', () => {
  it('walks a healthy install in order and reports it healthy with exit 0, deleting its image', async () => {
    const report = await runDoctor({ config: config(), readOnly: false, runId: 'doctortest-1' });
    assert.equal(report.exitCode, 0, report.steps.map((s) => stepLine(s)).join('\n'));
    assert.equal(report.healthy, true);
    assert.deepEqual(
      report.steps.map((s) => s.name),
      [
        'tcp:keystone',
        'tls:keystone',
        'token',
        'catalog',
        'tcp:glance',
        'tls:glance',
        'versions',
        'images',
        'auth-required',
        'schemas',
        'capacity',
        'swift-store',
        'round-trip',
        'stored-data',
        'db',
        'config',
      ],
    );
    assert.deepEqual(
      report.steps.filter((s) => s.status === 'skipped').map((s) => `${s.name}: ${s.evidence}`),
      [
        'tls:keystone: plain http: no TLS on this link',
        'tls:glance: plain http: no TLS on this link',
        'capacity: no --config: image_size_cap and the free space are read on the Glance host',
        'swift-store: no --config: the swift credentials are read on the Glance host',
        'db: no --db URL, and no --config with a [database] connection',
        'config: no --config glance-api.conf given',
      ],
    );
    for (const s of report.steps) assert.equal(s.ok, s.status === 'ok');
    assert.match(
      report.steps.find((s) => s.name === 'auth-required')!.evidence,
      /^no token: 401 in \d+ ms, no request id; forged token: 401 in \d+ ms, no request id$/,
    );
    const target = await connect(config());
    try {
      const left = await target.glance.images.list({ tag: 'gh-run-doctortest-1' });
      assert.equal(left.status, 200);
      assert.deepEqual(left.body?.images, [], 'the round-trip image is deleted');
      const [step] = report.steps.filter((s) => s.name === 'round-trip');
      assert.match(step!.tried, /gh-doctortest-1-doctor/);
    } finally {
      await target.close();
    }
    const again = await runDoctor({ config: config(), readOnly: true, runId: 'doctortest-2' });
    assert.equal(again.steps.find((s) => s.name === 'round-trip')?.evidence, '--read-only');
  });

  it('prints --json as {steps:[{name, ok, evidence, cause?}], cause?} and masks the password', async () => {
    ref.setFault('db-not-synced');
    try {
      const report = await runDoctor({ config: config(), readOnly: true });
      const doc = JSON.parse(reportJson(report)) as {
        steps: Array<{ name: string; ok: boolean; evidence: string; cause?: { id: string } }>;
        cause?: { id: string; fix: string };
      };
      assert.equal(doc.cause?.id, 'db.not-synced');
      const images = doc.steps.find((s) => s.name === 'images')!;
      assert.equal(images.ok, false);
      assert.equal(images.cause?.id, 'db.not-synced');
      assert.match(images.evidence, /500/);
      const admin = ref.users.find((u) => u.role === 'admin')!;
      assert.ok(!reportJson(report).includes(admin.password));
    } finally {
      ref.setFault(null);
    }
  });

  it('names auth.disabled at auth-required when /v2/images answers 200 without a token; the lint confirms it; healthy again without the fault', async () => {
    ref.setFault('auth-disabled');
    try {
      const report = await runDoctor({ config: config(), readOnly: true });
      const lines = report.steps.map((s) => stepLine(s));
      const first = lines.find((l) => l.startsWith('✘'));
      assert.match(first ?? '', /^✘ auth-required .* — cause auth\.disabled: /, lines.join('\n'));
      assert.equal(report.brokenAt, 'auth-required');
      assert.equal(report.exitCode, 1);
      const step = report.steps.find((s) => s.name === 'auth-required')!;
      assert.match(
        step.evidence,
        /^no token: 200 in \d+ ms, req-[0-9a-f-]+; forged token: 200 in \d+ ms, req-/,
      );
      assert.match(step.cause?.fix ?? '', /flavor = keystone/);
      const doc = JSON.parse(reportJson(report)) as {
        healthy: boolean;
        cause?: { id: string; severity: string };
        steps: Array<{ name: string; ok: boolean; cause?: { id: string } }>;
      };
      assert.equal(doc.healthy, false);
      assert.equal(doc.cause?.id, 'auth.disabled');
      assert.equal(doc.cause?.severity, 'critical');
      assert.equal(doc.steps.find((s) => s.name === 'auth-required')?.cause?.id, 'auth.disabled');

      const noFlavor = glanceConf('mysql+pymysql://glance:pw@127.0.0.1/glance', work);
      writeFileSync(noFlavor, readFileSync(noFlavor, 'utf8').replace('flavor = keystone\n', ''));
      const onHost = await runDoctor({
        config: config(),
        readOnly: true,
        glanceConf: noFlavor,
        lintHost: NO_HOST,
      });
      assert.equal(onHost.cause?.id, 'auth.disabled');
      assert.equal(onHost.cause?.confirmed, true);
      assert.match(onHost.steps.find((s) => s.name === 'config')!.evidence, /flavor is not set/);
    } finally {
      ref.setFault(null);
    }
    const healthy = await runDoctor({ config: config(), readOnly: true });
    assert.equal(healthy.healthy, true, healthy.steps.map((s) => stepLine(s)).join('\n'));
    assert.equal(healthy.steps.find((s) => s.name === 'auth-required')?.status, 'ok');
  });

  it('skips auth-required, saying why, when the target is configured with auth type none', async () => {
    const open = await startReference({ auth: 'none' });
    try {
      const cfg = resolveConfig({
        flags: {},
        env: { OS_AUTH_TYPE: 'none', OS_ENDPOINT: open.glanceUrl },
        cwd: work,
        homeDir: work,
      });
      const report = await runDoctor({ config: cfg, readOnly: true });
      const step = report.steps.find((s) => s.name === 'auth-required')!;
      assert.equal(step.status, 'skipped');
      assert.match(step.evidence, /auth type none/);
      assert.equal(report.exitCode, 0, report.steps.map((s) => stepLine(s)).join('\n'));
    } finally {
      await open.close();
    }
  });

  it('exits 3 when Glance refuses connections and nothing more specific explains it', async () => {
    const cfg = resolveConfig({
      flags: {},
      env: { OS_AUTH_TYPE: 'none', OS_ENDPOINT: 'http://127.0.0.1:9' },
      cwd: work,
      homeDir: work,
    });
    const report = await runDoctor({ config: cfg, readOnly: true });
    assert.equal(report.exitCode, 3);
    assert.equal(report.cause, undefined);
    assert.equal(report.brokenAt, 'tcp:glance');
    assert.match(report.steps[0]!.evidence, /ECONNREFUSED/);
  });

  it('names proxy.upstream-down, not endpoint.mismatch, when glance-api is down behind the proxy the catalog names', async () => {
    ref.setFault('glance-down-behind-proxy');
    try {
      const report = await runDoctor({ config: config(), readOnly: true });
      assert.equal(report.brokenAt, 'catalog', report.steps.map((s) => stepLine(s)).join('\n'));
      assert.equal(report.cause?.id, 'proxy.upstream-down');
      assert.equal(report.exitCode, 1);
      const catalog = report.steps.find((s) => s.name === 'catalog')!;
      assert.ok(catalog.evidence.includes(ref.proxyUrl), catalog.evidence);
      assert.match(catalog.evidence, /\(502, no request id, Server nginx\/1\.22\.1, nginx-error-page\)/);
      assert.match(report.cause?.hop ?? '', /^proxy in front of Glance/);

      const conf = glanceConf(
        'mysql+pymysql://glance:pw@127.0.0.1/glance',
        work,
        new URL(ref.glanceUrl).port,
      );
      const confirmed = await runDoctor({
        config: config(),
        readOnly: true,
        glanceConf: conf,
        lintHost: NO_HOST,
      });
      assert.equal(confirmed.cause?.id, 'proxy.upstream-down');
      assert.equal(confirmed.cause?.confirmed, true);
      const step = confirmed.steps.find((s) => s.name === 'catalog')!;
      assert.match(step.evidence, /glance-api's own port .*: 127\.0\.0\.1:\d+: ECONNREFUSED/);
    } finally {
      ref.setFault(null);
    }
  });

  it('confirms db.not-synced with the injected DB provider and lints the config, never printing the DB password', async () => {
    const store = join(work, 'store-ok');
    mkdirSync(store, { recursive: true });
    const seen: DbTarget[] = [];
    const provider = async (t: DbTarget): Promise<DbFacts> => {
      seen.push(t);
      return { reachable: true, tables: [], findings: ['db.not-synced'] };
    };
    ref.setFault('db-not-synced');
    try {
      const conf = glanceConf('mysql+pymysql://glance:db-pass-123@127.0.0.1/glance', store);
      const report = await runDoctor({
        config: config(),
        readOnly: true,
        glanceConf: conf,
        dbProvider: provider,
        lintHost: NO_HOST,
      });
      assert.equal(seen[0]?.source, '--config');
      assert.equal(report.cause?.id, 'db.not-synced');
      assert.equal(report.cause?.confirmed, true);
      const db = report.steps.find((s) => s.name === 'db')!;
      assert.equal(db.status, 'failed');
      assert.match(db.tried, /glance:\*\*\*@127\.0\.0\.1/);
      assert.equal(db.cause?.id, 'db.not-synced');
      assert.ok(!reportJson(report).includes('db-pass-123'));
      const lint = report.steps.find((s) => s.name === 'config')!;
      assert.equal(lint.status, 'ok', lint.evidence);
    } finally {
      ref.setFault(null);
    }
  });

  it('skips the DB step with its reason when a URL is given but no provider is connected', async () => {
    const report = await runDoctor({
      config: config(),
      readOnly: true,
      dbUrl: 'mysql://ro:pw@127.0.0.1/glance',
    });
    const db = report.steps.find((s) => s.name === 'db')!;
    assert.equal(db.status, 'skipped');
    assert.match(db.evidence, /no database provider/);
    assert.equal(report.exitCode, 0);
  });

  it('exits 2 with one line when no target is configured, and when --config names an unreadable file', async () => {
    const none = await cli(['doctor'], {}, work);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^error: doctor needs a target/m);
    const badConf = await cli(
      ['doctor', '--config', join(work, 'missing.conf')],
      { OS_AUTH_TYPE: 'none', OS_ENDPOINT: ref.glanceUrl },
      work,
    );
    assert.equal(badConf.code, 2);
    assert.match(badConf.stderr, /^error: cannot read .*missing\.conf/m);
    assert.ok(!badConf.stderr.includes('    at '), 'no stack trace');
  });
});

describe('glance-harness doctor: --size, capacity and stored data', () => {
  it('fails at capacity with image.size-cap confirmed when --size 2MiB is over image_size_cap = 1 MiB, and uploads nothing', async () => {
    const store = mkdtempSync(join(work, 'store-cap-'));
    const conf = glanceConf(DB_URL, store, '9292', ['image_size_cap = 1048576']);
    const recorder = new EvidenceRecorder(500);
    const report = await runDoctor({
      config: config(),
      readOnly: false,
      size: 2 * 2 ** 20,
      runId: 'doctortest-cap',
      glanceConf: conf,
      lintHost: NO_HOST,
      recorder,
    });
    assert.equal(report.brokenAt, 'capacity', lines(report));
    assert.equal(report.exitCode, 1);
    assert.equal(report.cause?.id, 'image.size-cap');
    assert.equal(report.cause?.confirmed, true);
    assert.equal(report.cause?.hop, 'glance-api.conf');
    const capacity = stepOf(report, 'capacity');
    assert.equal(capacity.status, 'failed');
    assert.equal(capacity.tried, "2MiB against [DEFAULT] image_size_cap and the store's free space");
    assert.equal(
      capacity.evidence,
      `2MiB is over image_size_cap = 1048576 (1MiB, ${conf}:5 [DEFAULT] image_size_cap): Glance answers 413 to larger uploads`,
    );
    assert.equal(capacity.cause?.id, 'image.size-cap');
    for (const name of ['round-trip', 'stored-data']) {
      const step = stepOf(report, name);
      assert.equal(step.status, 'skipped');
      assert.equal(step.evidence, 'not run: capacity failed first');
    }
    const writes = recorder
      .recent()
      .filter((x) => (x.method === 'POST' && x.path === '/v2/images') || x.method === 'PUT');
    assert.deepEqual(
      writes.map((x) => `${x.method} ${x.path}`),
      [],
    );
    assert.deepEqual(await taggedImages('doctortest-cap'), [], 'no image was created');
  });

  it('passes capacity under a large image_size_cap, naming the store directory and its free space', async () => {
    const store = mkdtempSync(join(work, 'store-room-'));
    const conf = glanceConf(DB_URL, store, '9292', ['image_size_cap = 10737418240']);
    const report = await runDoctor({ config: config(), readOnly: true, glanceConf: conf, lintHost: NO_HOST });
    const capacity = stepOf(report, 'capacity');
    assert.equal(capacity.status, 'ok', capacity.evidence);
    assert.ok(capacity.evidence.startsWith(`2MiB fits: image_size_cap 10GiB; ${store} `), capacity.evidence);
    assert.match(capacity.evidence, / \d+(\.\d)? (B|KiB|MiB|GiB|TiB) free$/);
    assert.equal(report.exitCode, 0, lines(report));
  });

  it('fails at capacity with store.full confirmed when --size is over the free space of the store filesystem', async () => {
    const store = mkdtempSync(join(work, 'store-small-'));
    const conf = glanceConf(DB_URL, store, '9292', [`image_size_cap = ${2 ** 52}`]);
    // 1 PiB: under the cap, over any test machine's free space; capacity fails before anything is generated.
    const report = await runDoctor({
      config: config(),
      readOnly: false,
      size: 2 ** 50,
      runId: 'doctortest-full',
      glanceConf: conf,
      lintHost: NO_HOST,
    });
    assert.equal(report.brokenAt, 'capacity', lines(report));
    assert.equal(report.cause?.id, 'store.full');
    assert.equal(report.cause?.confirmed, true);
    assert.equal(report.cause?.hop, `store filesystem ${store}`);
    const evidence = stepOf(report, 'capacity').evidence;
    assert.ok(evidence.startsWith(`the store filesystem of ${store} has `), evidence);
    assert.match(evidence, / free \(\d+ bytes\), less than 1048576GiB$/);
    assert.equal(stepOf(report, 'round-trip').status, 'skipped');
  });

  it('--size 3MiB makes the round trip upload, download and delete 3145728 bytes', async () => {
    const report = await runDoctor({
      config: config(),
      readOnly: false,
      size: 3 * 2 ** 20,
      runId: 'doctortest-3m',
    });
    assert.equal(report.exitCode, 0, lines(report));
    const trip = stepOf(report, 'round-trip');
    assert.equal(trip.status, 'ok');
    assert.match(trip.tried, /^create gh-doctortest-3m-doctor, upload 3MiB, download, delete$/);
    assert.match(
      trip.evidence,
      /^created, uploaded 3145728 bytes \(\d+ ms\), active, downloaded with md5 [0-9a-f]{32}, deleted$/,
    );
    assert.equal(
      stepOf(report, 'capacity').evidence,
      'no --config: image_size_cap and the free space are read on the Glance host',
    );
    assert.deepEqual(await taggedImages('doctortest-3m'), [], 'the round-trip image is deleted');
  });

  it('stored-data reads the first 1024 bytes of an image uploaded beforehand, by Range, even with --read-only', async () => {
    const target = await connect(config());
    let id: string | undefined;
    try {
      const created = await target.glance.images.create({
        name: 'gh-doctortest-stored-data',
        disk_format: 'raw',
        container_format: 'bare',
        tags: ['gh-run-doctortest-stored'],
      });
      assert.equal(created.status, 201);
      id = (created.body as { id: string }).id;
      const data = Buffer.alloc(4096, 0x5a);
      const up = await target.glance.data.upload(id, { stream: Readable.from([data]), size: data.length });
      assert.equal(up.status, 204);
      const report = await runDoctor({ config: config(), readOnly: true });
      assert.equal(report.exitCode, 0, lines(report));
      const stored = stepOf(report, 'stored-data');
      assert.equal(stored.status, 'ok');
      assert.equal(stored.tried, 'GET the first 1024 bytes (Range) of up to 3 of the newest active images');
      assert.match(stored.evidence, new RegExp(`(^|; )${id}: 20[06], 1024 bytes($|; )`));
    } finally {
      if (id) await target.glance.images.delete(id);
      await target.close();
    }
  });

  it('stored-data passes saying there is nothing to read on a Glance with no active image with data', async () => {
    const fresh = await startReference({});
    try {
      const cfg = resolveConfig({ flags: {}, env: referenceEnv(fresh), cwd: work, homeDir: work });
      const report = await runDoctor({ config: cfg, readOnly: true });
      const stored = stepOf(report, 'stored-data');
      assert.equal(stored.status, 'ok', lines(report));
      assert.equal(stored.evidence, 'no active image with data to read');
    } finally {
      await fresh.close();
    }
  });
});

describe('glance-harness doctor: what the host says against what Glance did', () => {
  it('a SQLite [database] connection skips the DB step saying why, never db.unreachable', async () => {
    const store = mkdtempSync(join(work, 'store-sqlite-'));
    const seen: DbTarget[] = [];
    const provider = async (t: DbTarget): Promise<DbFacts> => {
      seen.push(t);
      return { reachable: false, error: 'should not be asked', tables: [], findings: [] };
    };
    const report = await runDoctor({
      config: config(),
      readOnly: true,
      glanceConf: glanceConf('sqlite:////var/lib/glance/glance.sqlite', store),
      dbProvider: provider,
      lintHost: NO_HOST,
    });
    assert.deepEqual(seen, [], 'the MySQL checks are not pointed at a SQLite file');
    const db = report.steps.find((s) => s.name === 'db')!;
    assert.equal(db.status, 'skipped');
    assert.equal(db.evidence, 'a sqlite database: the checks read MySQL and MariaDB only');
    assert.equal(report.exitCode, 0, report.steps.map((s) => stepLine(s)).join('\n'));
    assert.match(report.steps.find((s) => s.name === 'config')!.evidence, /SQLite is for tests only/);
  });

  it('a store the lint finds unwritable by "glance" is a warning once the round trip stored an image', async () => {
    const store = mkdtempSync(join(work, 'store-other-user-'));
    chmodSync(store, 0o700);
    const passwd = join(work, 'passwd-other-user');
    const group = join(work, 'group-other-user');
    // A glance user that is neither the store's owner nor in its group: the lint says unwritable.
    writeFileSync(passwd, 'glance:x:64064:64064::/var/lib/glance:/bin/false\n');
    writeFileSync(group, 'glance:x:64064:\n');
    const host: LintHost = { passwd, group, fstab: '/nonexistent', user: 'glance' };
    const conf = glanceConf(DB_URL, store);
    const wrote = await runDoctor({ config: config(), readOnly: false, glanceConf: conf, lintHost: host });
    const lint = wrote.steps.find((s) => s.name === 'config')!;
    assert.equal(lint.status, 'ok', lint.evidence);
    assert.match(
      lint.evidence,
      /^warning: store directory .* is not writable by glance, yet the round trip stored an image/,
    );
    assert.equal(wrote.exitCode, 0);
    const readOnly = await runDoctor({ config: config(), readOnly: true, glanceConf: conf, lintHost: host });
    assert.equal(readOnly.steps.find((s) => s.name === 'config')!.cause?.id, 'store.unwritable');
  });
});
