import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, ExitCode, UsageError } from '../../src/errors.js';
import { listScenarios, loadScenario } from '../../src/load/engine/catalog.js';
import {
  arrivals,
  checkSplit,
  segmentSlice,
  sliceCount,
  subSlice,
  vusOf,
} from '../../src/load/engine/executors.js';
import { threadsFor, workerPlans } from '../../src/load/engine/plan.js';
import type { Executor } from '../../src/load/engine/scenario.js';
import { guardMemory, verdict } from '../../src/load/index.js';
import { findK6, K6_HOW_TO_GET, parseK6Version } from '../../src/load/k6.js';
import { K6_EXIT, k6Args, k6RunError, lastK6Error } from '../../src/load/k6-engine.js';
import {
  ENGINE_BASE_BYTES,
  ENGINE_THREAD_BYTES,
  K6_BASE_BYTES,
  memoryRefusal,
  PER_VU_OVERHEAD_BYTES,
  planMemory,
} from '../../src/load/memory.js';
import { operatorManifest } from '../../src/load/operator.js';
import type { Measured } from '../../src/load/results.js';
import { parseSegment, segmentArgs } from '../../src/load/segment.js';
import { parseDuration, parseSize } from '../../src/load/units.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const work = mkdtempSync(join(tmpdir(), 'gh-load-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));

const upload = await loadScenario('large-upload');
const download = await loadScenario('download');
const churn = await loadScenario('churn');
const k6Input = (vus: number, imageBytes: number, availableBytes: number) => ({
  scenario: 'large-upload',
  engine: 'k6' as const,
  model: upload.memory,
  vus,
  imageBytes,
  availableBytes,
});

describe('memory guard', () => {
  it('the harness engine streams: 4 VUs × 10 GiB need its base and 16 MiB per VU, whatever the size', () => {
    const input = { ...k6Input(4, 10 * GiB, 24 * GiB), engine: 'harness' as const };
    const plan = planMemory(input);
    assert.equal(plan.fits, true);
    assert.equal(plan.requiredBytes, ENGINE_BASE_BYTES + 4 * 16 * MiB);
    assert.equal(planMemory({ ...input, imageBytes: 64 * GiB }).requiredBytes, plan.requiredBytes);
    const threads = planMemory({ ...input, threads: 3 });
    assert.equal(threads.requiredBytes - plan.requiredBytes, 2 * ENGINE_THREAD_BYTES);
    const huge = { ...input, vus: 5000 };
    assert.match(memoryRefusal(huge, planMemory(huge)), /harness engine streams bodies: 16 MiB per VU/);
  });

  it('k6: large-upload 1 GiB × 4 VUs (measured peak 17.1 GiB) is budgeted at about that and fits in 21 GiB', () => {
    const plan = planMemory(k6Input(4, GiB, 21 * GiB));
    assert.equal(plan.fits, true);
    assert.equal(
      plan.requiredBytes,
      K6_BASE_BYTES + Math.ceil(4.6 * GiB) + 4 * (Math.ceil(3.2 * GiB) + PER_VU_OVERHEAD_BYTES),
    );
    assert.ok(plan.requiredBytes > 17.1 * GiB);
    assert.equal(planMemory(k6Input(5, GiB, 21 * GiB)).fits, false);
  });

  it('k6: 4 GiB × 8 VUs does not fit in 20 GiB; the refusal names the largest safe VU count', () => {
    const input = k6Input(8, 4 * GiB, 20 * GiB);
    const plan = planMemory(input);
    assert.equal(plan.maxSafeVus, 0);
    assert.match(
      memoryRefusal(input, plan),
      /8 VU\(s\) × 4\.0 GiB large-upload with the k6 engine needs about/,
    );
    assert.match(memoryRefusal(input, plan), /not even one VU fits: use a smaller --size/);
    const smaller = k6Input(9, 512 * MiB, 20 * GiB);
    const p2 = planMemory(smaller);
    assert.equal(p2.maxSafeVus, 8);
    assert.match(memoryRefusal(smaller, p2), /largest safe VU count for 512 MiB images is 8 \(--vus 8\)/);
  });

  it('k6 download VUs discard bodies, so their count does not scale with the image size', () => {
    const a = planMemory({ ...k6Input(100, GiB, 20 * GiB), model: download.memory });
    const b = planMemory({ ...k6Input(101, GiB, 20 * GiB), model: download.memory });
    assert.equal(b.requiredBytes - a.requiredBytes, PER_VU_OVERHEAD_BYTES);
  });

  it('guardMemory throws a ConfigError (exit 2) and counts only this machine’s share of a segmented run', () => {
    const profile = upload.profile({ smoke: false, sizeBytes: 512 * MiB, vus: 32 });
    const executor = upload.executor(profile);
    assert.throws(
      () => guardMemory(upload, 'k6', profile, executor, { available: 20 * GiB }),
      (e: unknown) => e instanceof ConfigError && e.exitCode === ExitCode.Usage,
    );
    assert.equal(
      guardMemory(upload, 'k6', profile, executor, { segment: { index: 1, count: 4 }, available: 20 * GiB })
        .fits,
      true,
    );
  });
});

describe('executors split exactly', () => {
  const shared: Executor = { type: 'shared-iterations', vus: 5, iterations: 17, maxDurationS: 60 };
  it('the segments’ shares of VUs and iterations add up to the profile', () => {
    for (const n of [1, 2, 3, 5]) {
      let vus = 0;
      let its = 0;
      for (let i = 1; i <= n; i += 1) {
        vus += vusOf(shared, segmentSlice({ index: i, count: n }));
        its += sliceCount(17, segmentSlice({ index: i, count: n }));
      }
      assert.deepEqual([vus, its], [5, 17], `n=${n}`);
    }
  });

  it('worker plans cover the process share once, and share one iteration counter', () => {
    const base = { executor: shared } as Parameters<typeof workerPlans>[0];
    const plans = workerPlans(base, { index: 2, count: 2 }, 2);
    assert.deepEqual(
      plans.map((p) => p.vuIds),
      [[2], [4]],
    );
    assert.equal(plans[0]?.iterations, 8);
    assert.equal(plans[0]?.counter, plans[1]?.counter);
  });

  it('arrival-rate starts follow the ramp, and slices of them partition the whole', () => {
    const e = churn.executor(churn.profile({ smoke: false, rate: 10, durationS: 10 }));
    assert.equal(e.type, 'ramping-arrival-rate');
    if (e.type !== 'ramping-arrival-rate') return;
    const all = [...arrivals(e, { offset: 0, stride: 1 })];
    // ramp 1→10/s over 4 s (22), hold 10/s for 4 s (40), 10→0 over 2 s (10)
    assert.ok(Math.abs(all.length - 72) <= 1, `${all.length} starts`);
    const seg = segmentSlice({ index: 1, count: 2 });
    const parts = [0, 1, 2].map((w) => [...arrivals(e, subSlice(seg, w, 3))].length);
    const other = [...arrivals(e, segmentSlice({ index: 2, count: 2 }))].length;
    assert.equal(parts.reduce((x, y) => x + y, 0) + other, all.length);
  });

  it('threads: one per the scenario’s VUs per thread, at most one per core, or as asked', () => {
    assert.equal(threadsFor(4, 16, undefined, 8), 1);
    assert.equal(threadsFor(40, 16, undefined, 8), 3);
    assert.equal(threadsFor(40, 4, undefined, 2), 2);
    assert.equal(threadsFor(4, 16, 3, 2), 3);
  });

  it('a split that leaves a share with nothing to run is refused (exit 2)', () => {
    assert.throws(() => checkSplit(shared, { index: 1, count: 6 }), UsageError);
    assert.throws(
      () => checkSplit({ ...shared, vus: 8, iterations: 3 } as Executor, { index: 1, count: 4 }),
      /3 iteration\(s\) cannot be split 4 ways/,
    );
    checkSplit(shared, { index: 5, count: 5 });
  });

  it('every scenario file is found and defines its profile, executor and thresholds', () => {
    assert.deepEqual(listScenarios(), ['churn', 'download', 'large-upload']);
    for (const s of [upload, download, churn]) {
      const p = s.profile({ smoke: true });
      assert.ok(s.executor(p).type);
      assert.ok(Object.keys(s.thresholds(p)).includes(s.failureMetric), s.name);
    }
  });
});

describe('segments', () => {
  it('maps i/n to a k6 execution segment and the shared sequence', () => {
    assert.deepEqual(segmentArgs({ index: 1, count: 2 }), [
      '--execution-segment',
      '0:1/2',
      '--execution-segment-sequence',
      '0,1/2,1',
    ]);
    assert.deepEqual(segmentArgs({ index: 3, count: 3 }).slice(1, 2), ['2/3:1']);
    assert.deepEqual(segmentArgs({ index: 1, count: 1 }), [
      '--execution-segment',
      '0:1',
      '--execution-segment-sequence',
      '0,1',
    ]);
  });

  it('rejects malformed or out-of-range segments with a usage error', () => {
    assert.deepEqual(parseSegment('2/4'), { index: 2, count: 4 });
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1-2', '']) {
      assert.throws(() => parseSegment(bad), UsageError, bad);
    }
  });

  it('k6Args passes the segment flags and no secret', () => {
    const args = k6Args({
      script: 'scenarios/k6/churn.js',
      k6Dir: '/tmp/x',
      endpoint: 'http://127.0.0.1:9292',
      runId: 'r1',
      prefix: 'gh',
      profile: churn.profile({ smoke: true }),
      smoke: true,
      segment: { index: 2, count: 2 },
    });
    assert.ok(args.includes('--no-thresholds'));
    assert.equal(args[args.indexOf('--execution-segment') + 1], '1/2:1');
    assert.ok(args.includes('GH_GLANCE_URL=http://127.0.0.1:9292'));
    assert.ok(!args.some((a) => a.startsWith('GH_TOKEN')));
  });
});

describe('verdicts', () => {
  const m = (over: Partial<Measured>): Measured => ({
    started: true,
    interrupted: false,
    thresholds: [],
    values: () => undefined,
    durationMs: 1,
    throughput: [],
    latency: [],
    files: {},
    attachments: [],
    ...over,
  });
  const failedCheck = [
    { id: 'x', title: 't', suite: 's', tags: [], status: 'failed' as const, durationMs: 0, error: 'e' },
  ];
  it('a failed threshold → exit 1, failed; none → exit 0, ok', () => {
    assert.deepEqual(verdict({ wasInterrupted: false }, m({}), failedCheck), {
      exitCode: 1,
      outcome: 'failed',
      message: 'e',
    });
    assert.equal(verdict({ wasInterrupted: false }, m({}), []).exitCode, 0);
  });
  it('an engine that could not measure → exit 1, runner-error; an interruption wins → 130', () => {
    assert.equal(
      verdict({ wasInterrupted: false }, m({ error: 'setup failed' }), []).outcome,
      'runner-error',
    );
    assert.equal(verdict({ wasInterrupted: false }, undefined, []).outcome, 'runner-error');
    assert.equal(verdict({ wasInterrupted: true }, m({ error: 'x' }), failedCheck).exitCode, 130);
  });
  it('k6: thresholds failed (99) and 0 are judged by the checks; 107, 108, no summary are runner errors', () => {
    assert.equal(k6RunError(K6_EXIT.thresholdsFailed, undefined, ''), undefined);
    assert.equal(k6RunError(0, undefined, ''), undefined);
    for (const c of [107, 108, 104, null]) assert.match(k6RunError(c, undefined, '') ?? '', /^k6 exited/);
    assert.match(k6RunError(0, 'k6 wrote no summary at x', '') ?? '', /\(k6 wrote no summary at x\)/);
  });
  it('lastK6Error extracts the message of the last error line', () => {
    const log =
      'time="x" level=warning msg="w"\ntime="y" level=error msg="GH_GLANCE_URL is not set: run it\\n\\tat setup (file:///s.js:3:9(12))" hint="script exception"\n';
    assert.equal(lastK6Error(log), 'GH_GLANCE_URL is not set: run it at setup (file:///s.js:3:9(12))');
    assert.equal(lastK6Error('level=info msg="fine"'), undefined);
  });
});

describe('finding k6', () => {
  const fake = (name: string, version: string): string => {
    const p = join(work, name);
    writeFileSync(p, `#!/bin/sh\necho "k6 ${version} (go1.26.8, linux/amd64)"\n`);
    chmodSync(p, 0o755);
    return p;
  };

  it('uses K6_BIN when it is a working k6', () => {
    const p = fake('k6-good', 'v1.8.1');
    assert.deepEqual(findK6({ K6_BIN: p, PATH: '' }, work), { path: p, version: 'v1.8.1', source: 'K6_BIN' });
  });
  it('a K6_BIN that does not exist is an error naming the install command, not a silent fallback', () => {
    assert.throws(
      () => findK6({ K6_BIN: join(work, 'nope'), PATH: '' }, work),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.includes('is not an executable file') &&
        e.message.includes(K6_HOW_TO_GET),
    );
  });
  it('refuses a k6 older than v0.57', () => {
    const p = fake('k6-old', 'v0.50.0');
    assert.throws(() => findK6({ K6_BIN: p }, work), /too old/);
  });
  it('nothing found → ConfigError saying how to get k6 from Grafana', () => {
    assert.throws(
      () => findK6({ PATH: work, GOPATH: join(work, 'gopath') }, join(work, 'home')),
      (e: unknown) => e instanceof ConfigError && e.message.includes("Grafana's own k6 releases"),
    );
  });
  it('parses `k6 version` output', () => {
    assert.equal(parseK6Version('k6 v1.8.1 (go1.26.8, linux/amd64)'), 'v1.8.1');
    assert.equal(parseK6Version('something else'), undefined);
  });
});

describe('options', () => {
  it('parses sizes and durations, refusing nonsense', () => {
    assert.equal(parseSize('64MiB'), 64 * MiB);
    assert.equal(parseSize('1GiB'), GiB);
    assert.equal(parseSize('500MB'), 500e6);
    assert.equal(parseSize('4096'), 4096);
    for (const bad of ['0', '-1MiB', 'big', '65GiB']) assert.throws(() => parseSize(bad), UsageError, bad);
    assert.equal(parseDuration('30s'), 30);
    assert.equal(parseDuration('5m'), 300);
    assert.equal(parseDuration('90'), 90);
    for (const bad of ['0s', '1d', 'soon']) assert.throws(() => parseDuration(bad), UsageError, bad);
  });

  it('smoke profiles are short with 1 MiB images; explicit iterations and durations win', () => {
    assert.deepEqual(upload.profile({ smoke: true }), { sizeBytes: MiB, vus: 1, iterations: 1, minMbps: 20 });
    assert.equal(upload.profile({ smoke: true, iterations: 2 }).iterations, 2);
    assert.equal(upload.executor(upload.profile({ smoke: false, durationS: 9 })).type, 'constant-vus');
    assert.equal(churn.profile({ smoke: true }).durationS, 4);
  });

  it('the k6-operator manifest carries parallelism, the scenario and the token from a Secret', () => {
    const yaml = operatorManifest({
      scenario: 'large-upload',
      runId: '20261122-0000-ab12',
      prefix: 'gh',
      endpoint: 'http://glance:9292',
      profile: upload.profile({ smoke: false, vus: 8 }),
      smoke: false,
      parallelism: 4,
      image: { fileName: 'raw.raw', size: 10, sizeLabel: '10B', md5: 'm', sha512: 's' },
    });
    assert.match(yaml, /^kind: TestRun$/m);
    assert.match(yaml, /^ {2}parallelism: 4$/m);
    assert.match(yaml, /file: scenarios\/k6\/large-upload\.js/);
    assert.match(yaml, /-e GH_VUS=8 -e GH_ITERATIONS=24/);
    assert.match(yaml, /-e GH_IMAGE_FILE=\/test\/data\/raw\.raw/);
    assert.match(yaml, /secretKeyRef:\n\s+name: glance-harness-token/);
  });
});
