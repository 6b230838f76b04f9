// `glance-harness load` end to end against the embedded reference, with the real k6.
// Not run (with the reason) when no k6 is installed on the machine: k6 is the operator's engine.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { findK6 } from '../../src/load/k6.js';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import type { Summary } from '../../src/report/summary.js';
import { connect } from '../../src/target.js';
import { type CliResult, referenceEnv, spawnCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-load-e2e-'));

function k6Missing(): string | false {
  try {
    findK6(process.env, homedir());
    return false;
  } catch (err) {
    return `not run: no k6 on this machine (${(err as Error).message})`;
  }
}
const SKIP = k6Missing();

let ref: ReferenceServer;
let adminPassword = '';

before(async () => {
  ref = await startReference({});
});
after(async () => {
  await ref.close();
  rmSync(work, { recursive: true, force: true });
});

function adminEnv(): Record<string, string> {
  const env = referenceEnv(ref);
  adminPassword = env.OS_PASSWORD ?? '';
  return env;
}

function start(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  return spawnCli(args, { cwd: work, env });
}

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => start(args, env).done;

function summaryOf(r: CliResult): Summary {
  assert.ok(
    r.stdout.trim().startsWith('{'),
    `expected the summary on stdout; stderr:\n${r.stderr.slice(-3000)}`,
  );
  return JSON.parse(r.stdout) as Summary;
}

async function harnessImages(): Promise<string[]> {
  const cfg = resolveConfig({ flags: {}, env: adminEnv(), cwd: work, homeDir: work });
  const target = await connect(cfg);
  try {
    const res = await target.glance.images.list({ tag: 'glance-harness', limit: 1000 });
    return (res.body?.images ?? []).map((i) => i.name ?? i.id);
  } finally {
    await target.close();
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('glance-harness load against the embedded reference', { skip: SKIP }, () => {
  for (const scenario of ['large-upload', 'churn', 'download'] as const) {
    it(`load ${scenario} --smoke passes and writes summary, k6 reports, JUnit and Allure with a chart`, async () => {
      const r = await cli(['load', scenario, '--smoke', '--json'], adminEnv());
      assert.equal(r.code, 0, r.stderr.slice(-3000));
      const s = summaryOf(r);
      assert.equal(s.schemaVersion, 1);
      assert.equal(s.outcome, 'ok');
      assert.equal(s.load?.scenario, scenario);
      assert.equal(s.load?.smoke, true);
      assert.equal(s.load?.k6.exitCode, 0);
      assert.ok(s.checks.length >= 2 && s.checks.every((c) => c.status === 'passed'));
      assert.ok((s.load?.metrics.iterations?.count ?? 0) >= 1);
      const k6Dir = s.reports.k6!;
      for (const f of ['summary.json', 'dashboard.html', 'throughput.svg', 'points.ndjson.gz'])
        assert.ok(existsSync(join(k6Dir, f)), `${f} in ${k6Dir}`);
      assert.match(readFileSync(s.reports.junit!, 'utf8'), /<testcase classname="load\./);
      const results = readdirSync(s.reports.allureResults!);
      assert.ok(results.some((f) => f.endsWith('-result.json')));
      assert.ok(
        results.some((f) => f.endsWith('-attachment.svg')),
        'throughput chart attached',
      );
      for (const f of filesUnder(s.reports.dir).filter((f) => !f.endsWith('.gz')))
        assert.ok(!readFileSync(f, 'utf8').includes(adminPassword), `password in ${f}`);
      const left = await harnessImages();
      assert.deepEqual(
        left.filter((n) => n.includes(s.runId)),
        [],
      );
    });
  }

  it('load large-upload with an unreachable MB/s floor fails its threshold (k6 exit 99) and exits 1', async () => {
    const r = await cli(
      ['load', 'large-upload', '--size', '256KiB', '--iterations', '2', '--min-mbps', '1000000', '--json'],
      adminEnv(),
    );
    assert.equal(r.code, 1, r.stderr.slice(-3000));
    const s = summaryOf(r);
    assert.equal(s.outcome, 'failed');
    assert.equal(s.load?.k6.exitCode, 99);
    const mbps = s.checks.find((c) => c.id === 'load.large-upload.upload_mbps');
    assert.equal(mbps?.status, 'failed');
    assert.match(mbps?.error ?? '', /^Threshold upload_mbps p\(50\)>1000000 failed: p\(50\) = /);
    assert.equal(s.checks.find((c) => c.id === 'load.large-upload.upload_failed')?.status, 'passed');
    assert.match(readFileSync(s.reports.junit!, 'utf8'), /failures="1"/);
  });

  it('load large-upload with more VUs than memory allows is refused before anything starts (exit 2)', async () => {
    const r = await cli(['load', 'large-upload', '--size', '4GiB', '--vus', '64'], adminEnv());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: Memory guard: 64 VU\(s\) × 4\.0 GiB large-upload needs about \d+\.\d GiB/);
    assert.match(
      r.stderr,
      /largest safe VU count for 4\.0 GiB images is \d+ \(--vus \d+\)|not even one VU fits/,
    );
    assert.doesNotMatch(r.stderr, /Generated a/);
  });

  it('two processes with --segment 1/2 and 2/2 share one profile: their iterations add up to it', async () => {
    const args = [
      'load',
      'large-upload',
      '--smoke',
      '--size',
      '64KiB',
      '--vus',
      '2',
      '--iterations',
      '6',
      '--json',
    ];
    const [a, b] = await Promise.all([
      cli([...args, '--segment', '1/2'], adminEnv()),
      cli([...args, '--segment', '2/2'], adminEnv()),
    ]);
    assert.equal(a.code, 0, a.stderr.slice(-2000));
    assert.equal(b.code, 0, b.stderr.slice(-2000));
    const sa = summaryOf(a);
    const sb = summaryOf(b);
    assert.equal(sa.load?.segment?.executionSegment, '0:1/2');
    assert.equal(sb.load?.segment?.executionSegment, '1/2:1');
    const ia = sa.load?.metrics.iterations?.count ?? 0;
    const ib = sb.load?.metrics.iterations?.count ?? 0;
    assert.equal(ia, 3);
    assert.equal(ib, 3);
  });

  it('SIGINT during a run stops k6, deletes the run’s images and exits 130', async () => {
    const { child, done } = start(
      ['load', 'large-upload', '--size', '4MiB', '--duration', '60s', '--json'],
      adminEnv(),
    );
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`k6 did not start:\n${seen}`)), 30_000);
      const onData = (d: Buffer): void => {
        seen += d.toString();
        if (!/k6 v\d+\.\d+\.\d+: large-upload/.test(seen)) return;
        child.stderr?.off('data', onData);
        clearTimeout(timer);
        // let uploads get under way before interrupting
        setTimeout(resolve, 3000);
      };
      child.stderr?.on('data', onData);
    });
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 130, r.stderr.slice(-3000));
    const s = summaryOf(r);
    assert.equal(s.outcome, 'interrupted');
    assert.deepEqual(s.cleanup?.failed, []);
    const left = await harnessImages();
    assert.deepEqual(
      left.filter((n) => n.includes(s.runId)),
      [],
    );
  });
});

describe('glance-harness load --emit k6-operator', () => {
  it('writes a TestRun for the configured endpoint with the parallelism and the image for the pods', async () => {
    const r = await cli(
      ['load', 'download', '--emit', 'k6-operator', '--parallelism', '3', '--size', '64KiB'],
      {
        ...adminEnv(),
        K6_BIN: join(work, 'no-k6-needed'),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const file = r.stdout.trim();
    const yaml = readFileSync(file, 'utf8');
    assert.match(yaml, /^kind: TestRun$/m);
    assert.match(yaml, /^ {2}parallelism: 3$/m);
    assert.ok(yaml.includes(`-e GH_GLANCE_URL=${ref.glanceUrl} `));
    const image = /GH_IMAGE_FILE=\/test\/data\/(\S+)/.exec(yaml)?.[1];
    assert.ok(image && statSync(join(file, '..', 'data', image)).size === 65536);
    assert.ok(!yaml.includes(adminPassword));
  });
});

describe('glance-harness load without k6', () => {
  it('names the install command and exits 2', async () => {
    const r = await cli(['load', 'churn', '--smoke'], { ...adminEnv(), K6_BIN: join(work, 'no-k6-here') });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /error: K6_BIN=.* is not an executable file: install a k6 release from Grafana's own k6 releases/,
    );
  });

  it('rejects an unknown scenario with exit 2', async () => {
    const r = await cli(['load', 'soak'], adminEnv());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown scenario "soak" \(known: large-upload, churn, download\)/);
  });
});
