import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gh-e2e-share-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('glance-harness run --suite sharing with no target', () => {
  it('uses the embedded reference demo user as the second project, so nothing is skipped', async () => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
    const child = spawn(process.execPath, [BIN, 'run', '--suite', 'sharing'], {
      cwd: work,
      env: { ...clean, HOME: work, GLANCE_HARNESS_REPORTS_DIR: join(work, 'reports') },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, out);
    const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8'));
    assert.equal(summary.target.kind, 'reference');
    assert.ok(summary.totals.passed >= 9, out);
    assert.equal(summary.totals.skipped, 0, out);
  });
});
