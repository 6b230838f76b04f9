// The operator's files: a `latest` the harness did not make is never replaced, a reports dir that
// cannot be made is a usage error naming the path, and image names reach the terminal escaped.
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import { RUN_MARKER } from '../../src/report/summary.js';
import { runTags } from '../../src/run/naming.js';
import { connect } from '../../src/target.js';
import { referenceEnv, runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-report-paths-'));
let ref: ReferenceServer;
before(async () => {
  ref = await startReference();
});
after(async () => {
  await ref.close();
  rmSync(work, { recursive: true, force: true });
});

/** A fresh working directory (also HOME) for one CLI case. */
function caseDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function run(cwd: string, reportsDir: string, ...extra: string[]) {
  return runCli(['run', '--suite', 'discovery', '--read-only', '--reports-dir', reportsDir, ...extra], {
    cwd,
    env: referenceEnv(ref),
  });
}

const runDirsOf = (reports: string): string[] => readdirSync(reports).filter((n) => /^\d{8}-\d{6}-/.test(n));

describe('reports dir and latest', () => {
  it('run --reports-dir whose latest is a user file keeps it byte for byte and says so', async () => {
    const cwd = caseDir('latest-file');
    const reports = join(cwd, 'reports');
    mkdirSync(reports);
    const mine = Buffer.from('my notes\n\u0000\u00ff binary too\n', 'latin1');
    writeFileSync(join(reports, 'latest'), mine);
    const r = await run(cwd, reports);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(readFileSync(join(reports, 'latest')), mine);
    assert.match(
      r.stderr,
      new RegExp(
        `^warning: ${join(reports, 'latest')} is not the harness's \\(a file\\) and was left as it is \\(move it away to let the harness update it\\); this run's reports are in ${reports}/\\d{8}-\\d{6}-\\w+$`,
        'm',
      ),
    );
    const [runDir] = runDirsOf(reports);
    assert.ok(runDir, 'the run dir was written');
    assert.equal(JSON.parse(readFileSync(join(reports, runDir, 'summary.json'), 'utf8')).exitCode, 0);
    assert.equal(readFileSync(join(reports, runDir, RUN_MARKER), 'utf8').trim(), runDir);
    assert.deepEqual(
      readdirSync(reports).filter((n) => n.startsWith('.latest-')),
      [],
      'no temporary copy is left',
    );
  });

  it('run --reports-dir whose latest is a user directory keeps it and its files', async () => {
    const cwd = caseDir('latest-dir');
    const reports = join(cwd, 'reports');
    mkdirSync(join(reports, 'latest'), { recursive: true });
    writeFileSync(join(reports, 'latest', 'keep.txt'), 'mine');
    const r = await run(cwd, reports);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(readdirSync(join(reports, 'latest')), ['keep.txt']);
    assert.equal(readFileSync(join(reports, 'latest', 'keep.txt'), 'utf8'), 'mine');
    assert.match(
      r.stderr,
      /is not the harness's \(a directory without \.glance-harness-run\) and was left as it is/,
    );
  });

  it("run twice: the harness's own latest is marked and replaced by the newer run", async () => {
    const cwd = caseDir('latest-own');
    const reports = join(cwd, 'reports');
    assert.equal((await run(cwd, reports)).code, 0);
    const first = readFileSync(join(reports, 'latest', RUN_MARKER), 'utf8').trim();
    const r = await run(cwd, reports);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.stderr, /warning/);
    const second = readFileSync(join(reports, 'latest', RUN_MARKER), 'utf8').trim();
    assert.notEqual(second, first);
    assert.equal(JSON.parse(readFileSync(join(reports, 'latest', 'summary.json'), 'utf8')).runId, second);
  });

  it('run --reports-dir under a regular file exits 2 with one line naming the path and the reason', async () => {
    const cwd = caseDir('under-file');
    writeFileSync(join(cwd, 'file'), 'x');
    const reports = join(cwd, 'file', 'reports');
    const r = await run(cwd, reports);
    assert.equal(r.code, 2, r.out);
    assert.match(
      r.stderr,
      new RegExp(
        `\\nerror: --reports-dir ${reports}: cannot create ${reports}/\\d{8}-\\d{6}-\\w+: ${join(cwd, 'file')} is a file, not a directory\\n$`,
      ),
    );
    assert.equal(readFileSync(join(cwd, 'file'), 'utf8'), 'x');
  });

  it('run --reports-dir naming a regular file exits 2 with one line', async () => {
    const cwd = caseDir('is-file');
    const reports = join(cwd, 'reports');
    writeFileSync(reports, 'x');
    const r = await run(cwd, reports);
    assert.equal(r.code, 2, r.out);
    assert.match(
      r.stderr,
      /\nerror: --reports-dir \S+: cannot create \S+: \S+\/reports is a file, not a directory\n$/,
    );
  });

  it('run --reports-dir read-only (0555) exits 2 naming permission denied', {
    skip: process.getuid?.() === 0 ? 'not run: root ignores permissions' : false,
  }, async () => {
    const cwd = caseDir('read-only');
    const reports = join(cwd, 'reports');
    mkdirSync(reports);
    chmodSync(reports, 0o555);
    try {
      const r = await run(cwd, reports);
      assert.equal(r.code, 2, r.out);
      assert.match(r.stderr, /\nerror: --reports-dir \S+: cannot create \S+: permission denied\n$/);
    } finally {
      chmodSync(reports, 0o755);
    }
    assert.equal(statSync(reports).isDirectory(), true);
  });
});

describe('cleanup output', () => {
  it('cleanup --dry-run prints an image name with terminal escapes escaped', async () => {
    const cfg = resolveConfig({
      flags: {},
      env: referenceEnv(ref),
      cwd: work,
      homeDir: work,
      systemDir: '/nonexistent',
    });
    const target = await connect(cfg);
    try {
      const res = await target.glance.images.create({
        name: 'gh-20261203-120000-abcd-\u001b]0;owned\u0007\u001b[2J\u009b',
        tags: runTags('20261203-120000-abcd'),
        disk_format: 'raw',
        container_format: 'bare',
      });
      assert.equal(res.status, 201);
    } finally {
      await target.close();
    }
    const r = await runCli(['cleanup', '--dry-run'], { cwd: caseDir('cleanup'), env: referenceEnv(ref) });
    assert.equal(r.code, 0, r.out);
    assert.ok(!r.out.includes('\u001b') && !r.out.includes('\u0007') && !r.out.includes('\u009b'), r.out);
    assert.match(
      r.stdout,
      /^would delete [0-9a-f-]{36} gh-20261203-120000-abcd-\\e\]0;owned\\x07\\e\[2J\\x9b$/m,
    );
  });
});
