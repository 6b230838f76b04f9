// `glance-harness load` end to end against the embedded reference: the harness's own engine (always
// run), segments and `load merge`, the manifests, and the operator's k6 when one is installed.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { loadScenario } from '../../src/load/engine/catalog.js';
import { findK6 } from '../../src/load/k6.js';
import { availableMemory, planMemory } from '../../src/load/memory.js';
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

const freshDir = (name: string): string => join(work, `${name}-${randomBytes(4).toString('hex')}`);

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

async function assertNoImageOf(runId: string): Promise<void> {
  assert.deepEqual(
    (await harnessImages()).filter((n) => n.includes(runId)),
    [],
    `images of run ${runId} left on the reference`,
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function assertNoPassword(files: readonly string[]): void {
  assert.ok(adminPassword.length >= 8, 'the reference admin password is long enough to search for');
  for (const f of files.filter((f) => !f.endsWith('.gz')))
    assert.ok(!readFileSync(f, 'utf8').includes(adminPassword), `password in ${f}`);
}

type Stats = Record<string, number>;

/** One HTTP duration trend, merged from two: counts add up, extremes and percentiles stay between. */
function assertMergedTrend(m: Stats | undefined, a: Stats | undefined, b: Stats | undefined): void {
  assert.ok(m && a && b, 'http_req_duration in every summary');
  const n = (s: Stats, k: string): number => {
    const v = s[k];
    assert.equal(typeof v, 'number', `${k} in ${JSON.stringify(s)}`);
    return v as number;
  };
  assert.equal(n(m, 'count'), n(a, 'count') + n(b, 'count'));
  assert.equal(n(m, 'min'), Math.min(n(a, 'min'), n(b, 'min')));
  assert.equal(n(m, 'max'), Math.max(n(a, 'max'), n(b, 'max')));
  const avg = (n(a, 'avg') * n(a, 'count') + n(b, 'avg') * n(b, 'count')) / n(m, 'count');
  assert.ok(Math.abs(n(m, 'avg') - avg) < 0.01, `merged avg ${n(m, 'avg')} vs weighted ${avg.toFixed(3)}`);
  let previous = n(m, 'min');
  for (const p of ['med', 'p(90)', 'p(95)', 'p(99)']) {
    const v = n(m, p);
    // A quantile of a union lies between the parts' quantiles (1 % for HDR's value equivalence).
    const lo = Math.min(n(a, p), n(b, p)) * 0.99;
    const hi = Math.max(n(a, p), n(b, p)) * 1.01;
    assert.ok(v >= lo && v <= hi, `merged ${p} ${v} outside [${n(a, p)}, ${n(b, p)}]`);
    assert.ok(v >= previous, `merged ${p} ${v} below the previous percentile ${previous}`);
    previous = v;
  }
  assert.ok(previous <= n(m, 'max'));
}

describe('glance-harness load against the embedded reference (harness engine)', () => {
  for (const scenario of ['large-upload', 'churn', 'download'] as const) {
    it(`load ${scenario} --smoke passes and writes summary, results, charts, JUnit and Allure`, {
      timeout: 60_000,
    }, async () => {
      const r = await cli(['load', scenario, '--smoke', '--json'], adminEnv());
      assert.equal(r.code, 0, r.stderr.slice(-3000));
      assert.match(r.stderr, new RegExp(`^harness engine: ${scenario} \\(smoke: thresholds off\\)`, 'm'));
      const s = summaryOf(r);
      assert.equal(s.schemaVersion, 1);
      assert.equal(s.outcome, 'ok');
      assert.equal(s.target.kind, 'configured');
      assert.equal(s.load?.scenario, scenario);
      assert.equal(s.load?.smoke, true);
      assert.equal(s.load?.engine.name, 'harness');
      assert.equal(s.load?.k6, undefined);
      assert.ok(s.load?.executor, 'the executor is recorded');
      assert.ok(s.checks.length >= 2 && s.checks.every((c) => c.status === 'passed'));
      assert.ok((s.load?.metrics.iterations?.count ?? 0) >= 1);
      const loadDir = s.reports.load!;
      for (const f of ['results.json', 'throughput.svg', 'latency.svg'])
        assert.ok(existsSync(join(loadDir, f)), `${f} in ${loadDir}`);
      assert.match(
        readFileSync(s.reports.junit!, 'utf8'),
        new RegExp(
          `<testcase name="load\\.${scenario}\\.[^"]+" classname="glance-harness\\.load\\.${scenario}"`,
        ),
      );
      const results = readdirSync(s.reports.allureResults!);
      assert.ok(results.some((f) => f.endsWith('-result.json')));
      assert.ok(
        results.some((f) => f.endsWith('-attachment.svg')),
        'charts attached',
      );
      assertNoPassword(filesUnder(s.reports.dir));
      await assertNoImageOf(s.runId);
    });
  }

  it('load large-upload with an unreachable MB/s floor fails its threshold and exits 1', {
    timeout: 60_000,
  }, async () => {
    const r = await cli(
      ['load', 'large-upload', '--size', '256KiB', '--iterations', '2', '--min-mbps', '1000000', '--json'],
      adminEnv(),
    );
    assert.equal(r.code, 1, r.stderr.slice(-3000));
    const s = summaryOf(r);
    assert.equal(s.outcome, 'failed');
    assert.equal(s.load?.engine.name, 'harness');
    const mbps = s.checks.find((c) => c.id === 'load.large-upload.upload_mbps');
    assert.equal(mbps?.status, 'failed');
    assert.match(mbps?.error ?? '', /^Threshold upload_mbps p\(50\)>1000000 failed: p\(50\) = /);
    assert.equal(s.checks.find((c) => c.id === 'load.large-upload.upload_failed')?.status, 'passed');
    assert.match(readFileSync(s.reports.junit!, 'utf8'), /failures="1"/);
    await assertNoImageOf(s.runId);
  });

  it('load large-upload with more VUs than memory allows is refused before anything starts (exit 2)', async (t) => {
    const scenario = await loadScenario('large-upload');
    const plan = planMemory({
      scenario: 'large-upload',
      engine: 'harness',
      model: scenario.memory,
      vus: 10_000,
      imageBytes: 4 * 2 ** 30,
      availableBytes: availableMemory(),
    });
    if (plan.fits) {
      t.skip(
        `not run: 10000 VUs fit in this machine's ${plan.availableBytes} B available; nothing to refuse`,
      );
      return;
    }
    const reports = freshDir('guard-reports');
    const r = await cli(['load', 'large-upload', '--size', '4GiB', '--vus', '10000'], {
      ...adminEnv(),
      GLANCE_HARNESS_REPORTS_DIR: reports,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /error: Memory guard: 10000 VU\(s\) × 4\.0 GiB large-upload with the harness engine needs about \d+\.\d GiB \(the harness engine streams bodies: 16 MiB per VU\)/,
    );
    assert.match(
      r.stderr,
      /largest safe VU count for 4\.0 GiB images is \d+ \(--vus \d+\)|not even one VU fits/,
    );
    assert.doesNotMatch(r.stderr, /Generated a|harness engine:/);
    assert.ok(!existsSync(reports), 'no run directory made');
  });

  it('load large-upload --segment 2/2 --vus 1 is refused: one VU cannot be split (exit 2)', async () => {
    const reports = freshDir('split-reports');
    const r = await cli(['load', 'large-upload', '--smoke', '--segment', '2/2', '--vus', '1'], {
      ...adminEnv(),
      GLANCE_HARNESS_REPORTS_DIR: reports,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: --segment 2\/2: 1 VU\(s\) cannot be split 2 ways; use --vus 2 or more/);
    assert.ok(!existsSync(reports), 'no run directory made');
  });

  describe('segments of one profile, and load merge', () => {
    const runId = `e2e-merge-${randomBytes(4).toString('hex')}`;
    const reportsA = freshDir('segment-a');
    const reportsB = freshDir('segment-b');
    let sa: Summary;
    let sb: Summary;

    it('two processes with --segment 1/2 and 2/2 and one --run-id each run half the iterations', {
      timeout: 60_000,
    }, async () => {
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
        '--run-id',
        runId,
        '--json',
      ];
      const [a, b] = await Promise.all([
        cli([...args, '--segment', '1/2'], { ...adminEnv(), GLANCE_HARNESS_REPORTS_DIR: reportsA }),
        cli([...args, '--segment', '2/2'], { ...adminEnv(), GLANCE_HARNESS_REPORTS_DIR: reportsB }),
      ]);
      assert.equal(a.code, 0, a.stderr.slice(-2000));
      assert.equal(b.code, 0, b.stderr.slice(-2000));
      sa = summaryOf(a);
      sb = summaryOf(b);
      assert.equal(sa.runId, runId);
      assert.equal(sb.runId, runId);
      assert.equal(sa.reports.dir, join(reportsA, runId));
      assert.equal(sb.reports.dir, join(reportsB, runId));
      assert.equal(sa.load?.segment?.executionSegment, '0:1/2');
      assert.equal(sb.load?.segment?.executionSegment, '1/2:1');
      assert.equal(sa.load?.metrics.iterations?.count, 3);
      assert.equal(sb.load?.metrics.iterations?.count, 3);
      for (const s of [sa, sb]) assert.ok(existsSync(join(s.reports.dir, 'load', 'results.json')));
      await assertNoImageOf(runId);
    });

    it('load merge of both segments judges them as one run of 6 iterations', async () => {
      assert.ok(sa && sb, 'the segments ran');
      const r = await cli(['load', 'merge', sa.reports.dir, sb.reports.dir, '--json']);
      assert.equal(r.code, 0, r.stderr.slice(-3000));
      const m = summaryOf(r);
      assert.equal(m.outcome, 'ok');
      assert.equal(m.load?.scenario, 'large-upload');
      assert.equal(m.load?.engine.name, 'harness');
      assert.equal(m.load?.executor, 'shared-iterations');
      assert.equal(m.load?.metrics.iterations?.count, 6);
      assert.equal(
        m.load?.metrics.http_reqs?.count,
        (sa.load?.metrics.http_reqs?.count ?? Number.NaN) + (sb.load?.metrics.http_reqs?.count ?? Number.NaN),
      );
      assert.deepEqual(m.load?.merged, [
        { index: 1, count: 2, runDir: sa.reports.dir },
        { index: 2, count: 2, runDir: sb.reports.dir },
      ]);
      assert.equal(m.checks.find((c) => c.id === 'load.large-upload.segments')?.status, 'passed');
      assert.ok(m.checks.every((c) => c.status === 'passed'));
      assertMergedTrend(
        m.load?.metrics.http_req_duration,
        sa.load?.metrics.http_req_duration,
        sb.load?.metrics.http_req_duration,
      );
      for (const f of ['results.json', 'throughput.svg', 'latency.svg'])
        assert.ok(existsSync(join(m.reports.load!, f)), `${f} in ${m.reports.load}`);
    });

    it('load merge of one segment twice is refused naming the duplicate (exit 2)', async () => {
      assert.ok(sa, 'segment 1 ran');
      const r = await cli(['load', 'merge', sa.reports.dir, sa.reports.dir, '--json']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(
        r.stderr.includes(`error: ${sa.reports.dir}: segment 1/2 again (also in ${sa.reports.dir})`),
        r.stderr,
      );
    });

    it('load merge of a directory without results is refused naming the path (exit 2)', async () => {
      const empty = freshDir('no-results');
      mkdirSync(empty);
      const r = await cli(['load', 'merge', empty, '--json']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(
        r.stderr.includes(`error: ${join(empty, 'load', 'results.json')}: no load results`),
        r.stderr,
      );
    });

    it('load merge with segment 2 of 2 missing fails its segments check (exit 1)', async () => {
      assert.ok(sa, 'segment 1 ran');
      const r = await cli(['load', 'merge', sa.reports.dir, '--json']);
      assert.equal(r.code, 1, r.stderr.slice(-3000));
      const m = summaryOf(r);
      assert.equal(m.outcome, 'failed');
      const segments = m.checks.find((c) => c.id === 'load.large-upload.segments');
      assert.equal(segments?.status, 'failed');
      assert.match(segments?.error ?? '', /2\/2 missing/);
    });
  });

  it('SIGINT during a run stops the engine, deletes the run’s images and exits 130', {
    timeout: 60_000,
  }, async () => {
    const { child, done } = start(
      ['load', 'large-upload', '--size', '4MiB', '--duration', '60s', '--json'],
      adminEnv(),
    );
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the engine did not start:\n${seen}`)), 30_000);
      const onData = (d: Buffer): void => {
        seen += d.toString();
        if (!/harness engine: large-upload/.test(seen)) return;
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
    assert.ok(r.ms < 40_000, `stopped in ${r.ms} ms, not at the end of the 60 s`);
    const s = summaryOf(r);
    assert.equal(s.outcome, 'interrupted');
    assert.deepEqual(s.cleanup?.failed, []);
    await assertNoImageOf(s.runId);
  });
});

describe('a new scenario is one file', () => {
  it('an operator’s own scenario file runs with its own metric and threshold, and names its images', async () => {
    const src = new URL('../../src/load/engine/scenario.ts', import.meta.url).pathname;
    const file = join(work, 'versions.mts');
    writeFileSync(
      file,
      [
        `import { defineScenario } from ${JSON.stringify(src)};`,
        'export default defineScenario({',
        "  name: 'versions',",
        "  question: 'How fast does this Glance answer GET /?',",
        '  image: false,',
        '  profile: (p) => ({ sizeBytes: 0, vus: p.vus ?? 2, iterations: p.iterations ?? 6 }),',
        "  executor: (p) => ({ type: 'shared-iterations', vus: p.vus, iterations: p.iterations ?? 6, maxDurationS: 60 }),",
        '  memory: { harness: { perVuBytes: 2 ** 20, fixedBytes: 0, vusPerThread: 8 }, k6: { copiesPerVu: 0, copiesShared: 0 } },',
        "  metrics: { versions_failed: { type: 'rate' } },",
        "  thresholds: () => ({ versions_failed: ['rate==0'], 'http_req_duration{op:versions}': ['p(95)<5000'] }),",
        "  failureMetric: 'versions_failed',",
        "  chart: { metric: 'http_reqs', unit: 'requests/s' },",
        '  async iteration(vu) {',
        "    const res = await vu.op('versions', () => vu.glance.versions.listRoot({ signal: vu.signal }));",
        "    vu.add('versions_failed', !vu.check({ 'versions answers 300 or 200': res.status === 300 || res.status === 200 }));",
        '  },',
        "  summaryLines: (stat) => ['versions: ' + stat('iterations', 'count', 0) + ' calls'],",
        '});',
        '',
      ].join('\n'),
    );
    const r = await cli(['load', file, '--json'], adminEnv());
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const s = summaryOf(r);
    assert.equal(s.load?.scenario, 'versions');
    assert.equal(s.load?.metrics.iterations?.count, 6);
    assert.deepEqual(
      s.checks.map((c) => [c.id, c.status]),
      [
        ['load.versions.http_req_duration.op-versions', 'passed'],
        ['load.versions.versions_failed', 'passed'],
      ],
    );
    const missing = await cli(['load', join(work, 'nope.ts')], adminEnv());
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /scenario file .*nope\.ts does not exist/);
  });
});

describe('glance-harness load --emit', () => {
  it('--emit k8s writes the segment Job, the merge Job, the claim, a Containerfile and a README', async () => {
    const runId = `e2e-k8s-${randomBytes(4).toString('hex')}`;
    const r = await cli(
      ['load', 'large-upload', '--emit', 'k8s', '--parallelism', '3', '--size', '64KiB', '--run-id', runId],
      adminEnv(),
    );
    assert.equal(r.code, 0, r.stderr);
    const dir = r.stdout.trim();
    assert.equal(dir, join(work, 'reports', runId, 'k8s'));
    const names = ['job.yaml', 'merge-job.yaml', 'pvc.yaml', 'Containerfile', 'README.md'];
    for (const f of names) assert.ok(existsSync(join(dir, f)), `${f} in ${dir}`);
    const job = readFileSync(join(dir, 'job.yaml'), 'utf8');
    assert.match(job, /^ {2}completions: 3$/m);
    assert.match(job, /--segment /);
    assert.ok(job.includes(runId));
    assertNoPassword(names.map((f) => join(dir, f)));
    assert.doesNotMatch(r.stderr, /Generated a/);
  });

  it('--emit k8s --engine k6 is refused: the pods run the harness engine (exit 2)', async () => {
    const r = await cli(['load', 'large-upload', '--emit', 'k8s', '--engine', 'k6'], adminEnv());
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: --emit k8s runs the harness engine; for k6 use --emit k6-operator/);
  });

  it('--emit k6-operator writes a TestRun for the configured endpoint with the parallelism and the image for the pods', async () => {
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
    assertNoPassword([file]);
  });
});

describe('glance-harness load usage errors', () => {
  it('--engine k6 without k6 names where to get it and exits 2', async () => {
    const r = await cli(['load', 'churn', '--smoke', '--engine', 'k6'], {
      ...adminEnv(),
      K6_BIN: join(work, 'no-k6-here'),
    });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /error: K6_BIN=.* is not an executable file: install a k6 release from Grafana's own k6 releases/,
    );
  });

  it('rejects an unknown scenario with exit 2, listing the known ones', async () => {
    const r = await cli(['load', 'soak'], adminEnv());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: unknown scenario "soak" \(known: churn, download, large-upload\)/);
  });
});

describe('glance-harness load --engine k6 against the embedded reference', () => {
  it('load large-upload --engine k6 --smoke passes with k6’s own summary', {
    skip: k6Missing(),
    timeout: 120_000,
  }, async () => {
    const r = await cli(['load', 'large-upload', '--engine', 'k6', '--smoke', '--json'], adminEnv());
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const s = summaryOf(r);
    assert.equal(s.outcome, 'ok');
    assert.equal(s.load?.engine.name, 'k6');
    assert.equal(s.load?.k6?.exitCode, 0);
    assert.ok(s.checks.length >= 2 && s.checks.every((c) => c.status === 'passed'));
    assert.ok((s.load?.metrics.iterations?.count ?? 0) >= 1);
    const summary = s.load?.files.summary;
    assert.ok(summary && existsSync(summary), `k6 summary.json: ${summary}`);
    assert.ok(existsSync(join(s.reports.load!, 'throughput.svg')));
    assertNoPassword(filesUnder(s.reports.dir));
    await assertNoImageOf(s.runId);
  });
});
