// The images, update, negative, lifecycle and schemas suites against the real Glance 25.1 lab:
// all pass, within the time budget, and --read-only sends the lab nothing but GET and HEAD.
// Needs a running, healthy lab; runs only with GLANCE_HARNESS_LAB_TESTS=1. Writes nothing it does
// not delete (the fixtures and the run's cleanup remove every image created).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Exchange } from '../../src/http/evidence.js';
import { labPaths } from '../../src/lab/index.js';
import { type CliResult, runCli } from '../helpers/cli.js';

const ENABLED = process.env.GLANCE_HARNESS_LAB_TESTS === '1';
const SKIP_REASON = 'not run: set GLANCE_HARNESS_LAB_TESTS=1 with a running lab (glance-harness lab up)';
const SUITES = 'images,update,negative,lifecycle,schemas';
// The whole catalogue's budget on the lab is 60 s; these suites take 10–25 s on a 2-core machine.
const BUDGET_MS = 60_000;
const work = mkdtempSync(join(tmpdir(), 'gh-lab-suites-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]): Promise<CliResult> {
  return runCli([...args, '--os-cloud', 'glance-lab-admin'], {
    cwd: work,
    env: { OS_CLIENT_CONFIG_FILE: labPaths().cloudsYaml },
  });
}

function latest(): { summary: Record<string, unknown> & { durationMs: number }; exchanges: Exchange[] } {
  const dir = join(work, 'reports', 'latest');
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  const exchanges = readdirSync(join(dir, 'evidence'))
    .flatMap((f) => readFileSync(join(dir, 'evidence', f), 'utf8').split('\n'))
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Exchange);
  return { summary, exchanges };
}

describe('suites against the real lab', { skip: ENABLED ? false : SKIP_REASON }, () => {
  it(`${SUITES} pass within ${BUDGET_MS / 1000} s`, { timeout: 180_000 }, async () => {
    const r = await run(['run', '--suite', SUITES]);
    assert.equal(r.code, 0, r.out);
    const { summary } = latest();
    assert.equal((summary.totals as { failed: number }).failed, 0);
    assert.ok(summary.durationMs < BUDGET_MS, `took ${summary.durationMs} ms`);
    assert.equal(
      summary.findings,
      undefined,
      `schema findings on the lab: ${JSON.stringify(summary.findings)}`,
    );
  });

  it('--read-only sends the lab only GET and HEAD', { timeout: 120_000 }, async () => {
    const r = await run(['run', '--read-only', '--suite', 'discovery,images,negative,schemas']);
    assert.equal(r.code, 0, r.out);
    const { exchanges } = latest();
    const glance = exchanges.filter((e) => !new URL(e.url).pathname.startsWith('/v3/'));
    assert.ok(glance.length > 20);
    assert.deepEqual(
      glance.filter((e) => e.method !== 'GET' && e.method !== 'HEAD').map((e) => `${e.method} ${e.path}`),
      [],
    );
  });
});
