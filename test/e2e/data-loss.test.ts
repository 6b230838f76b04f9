import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';

const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gh-e2e-loss-'));
let ref: ReferenceServer;

before(async () => {
  ref = await startReference({ fault: 'store-mount-lost' });
});
after(async () => {
  await ref.close();
  rmSync(work, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const admin = ref.users.find((u) => u.role === 'admin')!;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: work,
    env: {
      ...clean,
      HOME: work,
      GLANCE_HARNESS_REPORTS_DIR: join(work, 'reports'),
      OS_AUTH_URL: ref.keystoneUrl,
      OS_USERNAME: admin.name,
      OS_PASSWORD: admin.password,
      OS_PROJECT_NAME: admin.project,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_REGION_NAME: 'RegionOne',
    },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
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
