import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, ExitCode, UsageError } from '../../src/errors.js';
import { parseDuration, parseSize } from '../../src/load/command.js';
import {
  guardMemory,
  K6_EXIT,
  k6Args,
  lastK6Error,
  loadProfile,
  localVus,
  mapK6Exit,
} from '../../src/load/index.js';
import { findK6, K6_HOW_TO_GET, parseK6Version } from '../../src/load/k6.js';
import { K6_BASE_BYTES, memoryRefusal, PER_VU_OVERHEAD_BYTES, planMemory } from '../../src/load/memory.js';
import { operatorManifest } from '../../src/load/operator.js';
import { parseSegment, segmentArgs } from '../../src/load/segment.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const work = mkdtempSync(join(tmpdir(), 'gh-load-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));

const smallerOf = <T extends { imageBytes: number }>(i: T): T => ({ ...i, imageBytes: 512 * MiB });

describe('memory guard', () => {
  it('large-upload 1 GiB × 4 VUs (measured peak 17.1 GiB) is budgeted at about that and fits in 21 GiB', () => {
    const plan = planMemory({ scenario: 'large-upload', vus: 4, imageBytes: GiB, availableBytes: 21 * GiB });
    assert.equal(plan.fits, true);
    assert.equal(
      plan.requiredBytes,
      K6_BASE_BYTES + Math.ceil(4.6 * GiB) + 4 * (Math.ceil(3.2 * GiB) + PER_VU_OVERHEAD_BYTES),
    );
    assert.ok(plan.requiredBytes > 17.1 * GiB);
    assert.equal(
      planMemory({ scenario: 'large-upload', vus: 5, imageBytes: GiB, availableBytes: 21 * GiB }).fits,
      false,
    );
  });

  it('large-upload 4 GiB × 8 VUs does not fit in 20 GiB and names the largest safe VU count', () => {
    const input = { scenario: 'large-upload', vus: 8, imageBytes: 4 * GiB, availableBytes: 20 * GiB };
    const plan = planMemory(input);
    assert.equal(plan.fits, false);
    // budget 17 GiB; fixed 160 MiB + 18.4 GiB → not even one VU
    assert.equal(plan.maxSafeVus, 0);
    assert.equal(planMemory({ ...smallerOf(input), vus: 8 }).fits, true);
    assert.equal(planMemory({ ...smallerOf(input), vus: 9 }).fits, false);
    const msg = memoryRefusal(input, plan);
    assert.match(msg, /8 VU\(s\) × 4\.0 GiB large-upload needs about/);
    assert.match(msg, /not even one VU fits/);
    const smaller = { ...input, imageBytes: 512 * MiB };
    const p2 = planMemory(smaller);
    // fixed 160 MiB + 2.3 GiB; each VU 1.6 GiB + 24 MiB within 17 GiB → 8
    assert.equal(p2.maxSafeVus, 8);
    assert.match(memoryRefusal(smaller, p2), /largest safe VU count for 512 MiB images is 8 \(--vus 8\)/);
  });

  it('an image too large for one VU says so instead of proposing 0 VUs', () => {
    const input = { scenario: 'large-upload', vus: 1, imageBytes: 3 * GiB, availableBytes: 20 * GiB };
    const plan = planMemory(input);
    assert.equal(plan.maxSafeVus, 0);
    assert.match(memoryRefusal(input, plan), /not even one VU fits: use a smaller --size/);
  });

  it('download VUs discard bodies, so their count does not scale with the image size', () => {
    const a = planMemory({ scenario: 'download', vus: 100, imageBytes: GiB, availableBytes: 20 * GiB });
    const b = planMemory({ scenario: 'download', vus: 101, imageBytes: GiB, availableBytes: 20 * GiB });
    assert.equal(b.requiredBytes - a.requiredBytes, PER_VU_OVERHEAD_BYTES);
  });

  it('guardMemory throws a ConfigError (exit 2) and counts only this machine’s share of a segmented run', () => {
    const profile = loadProfile('large-upload', { smoke: false, sizeBytes: 512 * MiB, vus: 32 });
    assert.throws(
      () => guardMemory('large-upload', profile, undefined, 20 * GiB),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.exitCode, ExitCode.Usage);
        return true;
      },
    );
    assert.equal(localVus(32, { index: 1, count: 4 }), 8);
    assert.equal(guardMemory('large-upload', profile, { index: 1, count: 4 }, 20 * GiB).fits, true);
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
      scenario: 'churn',
      k6Dir: '/tmp/x',
      endpoint: 'http://127.0.0.1:9292',
      runId: 'r1',
      prefix: 'gh',
      profile: loadProfile('churn', { smoke: true }),
      smoke: true,
      segment: { index: 2, count: 2 },
    });
    assert.ok(args.includes('--no-thresholds'));
    assert.equal(args[args.indexOf('--execution-segment') + 1], '1/2:1');
    assert.ok(args.includes('GH_GLANCE_URL=http://127.0.0.1:9292'));
    assert.ok(!args.some((a) => a.startsWith('GH_TOKEN')));
  });
});

describe('k6 exit codes', () => {
  it('thresholds failed (99) → exit 1, outcome failed', () => {
    assert.deepEqual(mapK6Exit(K6_EXIT.thresholdsFailed, false, true, true), {
      exitCode: 1,
      outcome: 'failed',
    });
  });
  it('0 with every check passed → exit 0; 0 with a failed smoke check → exit 1', () => {
    assert.deepEqual(mapK6Exit(0, false, false, true), { exitCode: 0, outcome: 'ok' });
    assert.deepEqual(mapK6Exit(0, false, true, true), { exitCode: 1, outcome: 'failed' });
  });
  it('script errors (107, 108), no summary or no exit code → exit 1, runner-error', () => {
    for (const c of [107, 108, 104, null])
      assert.deepEqual(mapK6Exit(c, false, false, true), { exitCode: 1, outcome: 'runner-error' });
    assert.deepEqual(mapK6Exit(0, false, false, false), { exitCode: 1, outcome: 'runner-error' });
  });
  it('an interruption wins → exit 130', () => {
    assert.deepEqual(mapK6Exit(105, true, false, true), { exitCode: 130, outcome: 'interrupted' });
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

  it('smoke profiles run seconds with 1 MiB images; explicit iterations win', () => {
    assert.deepEqual(loadProfile('large-upload', { smoke: true }), { sizeBytes: MiB, vus: 1, durationS: 3 });
    assert.deepEqual(loadProfile('large-upload', { smoke: true, iterations: 2 }), {
      sizeBytes: MiB,
      vus: 1,
      iterations: 2,
    });
    assert.equal(loadProfile('churn', { smoke: true }).durationS, 4);
  });

  it('the k6-operator manifest carries parallelism, the scenario and the token from a Secret', () => {
    const yaml = operatorManifest({
      scenario: 'large-upload',
      runId: '20261122-0000-ab12',
      prefix: 'gh',
      endpoint: 'http://glance:9292',
      profile: loadProfile('large-upload', { smoke: false, vus: 8 }),
      smoke: false,
      parallelism: 4,
      image: { fileName: 'raw.raw', size: 10, sizeLabel: '10B', md5: 'm', sha512: 's' },
    });
    assert.match(yaml, /^kind: TestRun$/m);
    assert.match(yaml, /^ {2}parallelism: 4$/m);
    assert.match(yaml, /file: scenarios\/large-upload\.js/);
    assert.match(yaml, /-e GH_VUS=8 -e GH_ITERATIONS=24/);
    assert.match(yaml, /-e GH_IMAGE_FILE=\/test\/data\/raw\.raw/);
    assert.match(yaml, /secretKeyRef:\n\s+name: glance-harness-token/);
  });
});
