import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-e2e-share-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('glance-harness run --suite sharing with no target', () => {
  it('uses the embedded reference demo user as the second project, so nothing is skipped', async () => {
    const r = await runCli(['run', '--suite', 'sharing'], { cwd: work });
    assert.equal(r.code, 0, r.out);
    const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8'));
    assert.equal(summary.target.kind, 'reference');
    assert.ok(summary.totals.passed >= 9, r.out);
    assert.equal(summary.totals.skipped, 0, r.out);
  });
});
