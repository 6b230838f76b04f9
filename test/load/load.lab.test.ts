// Smoke-runs every load scenario against the real lab through `glance-harness load`: with the
// harness's own engine, and with the operator's k6 when one is installed. Breaks nothing: a shared
// lab lock is enough. Runs with GLANCE_HARNESS_LAB_TESTS=1 and a running lab.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src/config/index.js';
import { LAB_CLOUDS, labPaths } from '../../src/lab/index.js';
import { findK6 } from '../../src/load/k6.js';
import type { Summary } from '../../src/report/summary.js';
import { connect } from '../../src/target.js';

const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gh-load-lab-'));
after(() => rmSync(work, { recursive: true, force: true }));

const SCENARIOS = ['large-upload', 'churn', 'download'] as const;

function labMissing(): string | false {
  return process.env.GLANCE_HARNESS_LAB_TESTS === '1'
    ? false
    : 'not run: set GLANCE_HARNESS_LAB_TESTS=1 with a running lab (glance-harness lab up)';
}

function k6Missing(): string | false {
  const lab = labMissing();
  if (lab) return lab;
  try {
    findK6(process.env, homedir());
    return false;
  } catch (err) {
    return `not run: no k6 on this machine (${(err as Error).message})`;
  }
}
const LAB_SKIP = labMissing();
const K6_SKIP = k6Missing();

const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_'))),
  OS_CLIENT_CONFIG_FILE: labPaths().cloudsYaml,
  OS_CLOUD: LAB_CLOUDS.admin,
  GLANCE_HARNESS_REPORTS_DIR: join(work, 'reports'),
};

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function runImages(runId: string): Promise<string[]> {
  const cfg = resolveConfig({ flags: {}, env, cwd: work, homeDir: work });
  const target = await connect(cfg);
  try {
    const res = await target.glance.images.list({ tag: `gh-run-${runId}`, limit: 100 });
    assert.equal(res.status, 200);
    return (res.body?.images ?? []).map((i) => i.id);
  } finally {
    await target.close();
  }
}

/** One smoke run: passed against the lab's Glance, with at least one iteration and no image left. */
async function smoke(scenario: string, extra: string[]): Promise<Summary> {
  const r = await cli(['load', scenario, '--smoke', '--json', ...extra]);
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.target.kind, 'configured');
  assert.equal(s.target.endpoint, 'http://127.0.0.1:9292');
  assert.equal(s.outcome, 'ok');
  assert.equal(s.load?.scenario, scenario);
  assert.ok(s.checks.length >= 2 && s.checks.every((c) => c.status === 'passed'));
  assert.ok((s.load?.metrics.iterations?.count ?? 0) >= 1);
  assert.deepEqual(await runImages(s.runId), []);
  return s;
}

describe('glance-harness load against the real lab (harness engine)', () => {
  for (const scenario of SCENARIOS) {
    it(`load ${scenario} --smoke passes against Glance 25.1 and leaves no image behind`, {
      skip: LAB_SKIP,
      timeout: 120_000,
    }, async () => {
      const s = await smoke(scenario, []);
      assert.equal(s.load?.engine.name, 'harness');
      assert.equal(s.load?.k6, undefined);
      assert.ok(existsSync(join(s.reports.load!, 'results.json')));
    });
  }
});

describe('glance-harness load against the real lab (--engine k6)', () => {
  for (const scenario of SCENARIOS) {
    it(`load ${scenario} --engine k6 --smoke passes against Glance 25.1 and leaves no image behind`, {
      skip: K6_SKIP,
      timeout: 120_000,
    }, async () => {
      const s = await smoke(scenario, ['--engine', 'k6']);
      assert.equal(s.load?.engine.name, 'k6');
      assert.equal(s.load?.k6?.exitCode, 0);
      const summary = s.load?.files.summary;
      assert.ok(summary, 'k6 summary.json recorded');
      assert.match(readFileSync(summary, 'utf8'), /"iterations"/);
    });
  }
});
