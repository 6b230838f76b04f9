import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import { type CliResult, referenceEnv, runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-e2e-loss-'));
let ref: ReferenceServer;

before(async () => {
  ref = await startReference({ fault: 'store-mount-lost' });
});
after(async () => {
  await ref.close();
  rmSync(work, { recursive: true, force: true });
});

function run(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: work, env: referenceEnv(ref) });
}

describe('data suite on a store that lost its mount', () => {
  it('fails the download checks of active images as data loss (exit 1)', async () => {
    const r = await run(['run', '--suite', 'data', '--grep', 'streams 200']);
    assert.equal(r.code, 1, r.out);
    const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8'));
    const byId = new Map(summary.checks.map((c: { id: string }) => [c.id, c]));
    for (const checkId of ['data.download.raw', 'data.download.qcow2']) {
      const check = byId.get(checkId) as { status: string; error?: string } | undefined;
      assert.equal(check?.status, 'failed', `${checkId} must fail when the store lost the data`);
      assert.match(check?.error ?? '', /Data loss: image .* is active .* answered 204 with 0 bytes/);
    }
  });
});
