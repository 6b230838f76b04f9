// Smoke-runs every k6 scenario against the real lab through `glance-harness load`. Breaks nothing:
// a shared lab lock is enough. Runs with GLANCE_HARNESS_LAB_TESTS=1, a running lab and k6 installed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

function skipReason(): string | false {
  if (process.env.GLANCE_HARNESS_LAB_TESTS !== '1')
    return 'set GLANCE_HARNESS_LAB_TESTS=1 with a running lab (glance-harness lab up)';
  try {
    findK6(process.env, homedir());
  } catch (err) {
    return `not run: no k6 on this machine (${(err as Error).message})`;
  }
  return false;
}

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

describe('glance-harness load against the real lab', { skip: skipReason() }, () => {
  for (const scenario of ['large-upload', 'churn', 'download'] as const) {
    it(`load ${scenario} --smoke passes against Glance 25.1 and leaves no image behind`, {
      timeout: 120_000,
    }, async () => {
      const r = await cli(['load', scenario, '--smoke', '--json']);
      assert.equal(r.code, 0, r.stderr.slice(-3000));
      const s = JSON.parse(r.stdout) as Summary;
      assert.equal(s.target.kind, 'configured');
      assert.equal(s.target.endpoint, 'http://127.0.0.1:9292');
      assert.equal(s.outcome, 'ok');
      assert.ok(s.checks.length >= 2 && s.checks.every((c) => c.status === 'passed'));
      assert.ok((s.load?.metrics.iterations?.count ?? 0) >= 1);
      assert.match(readFileSync(join(s.reports.k6!, 'summary.json'), 'utf8'), /"iterations"/);
      assert.deepEqual(await runImages(s.runId), []);
    });
  }
});
