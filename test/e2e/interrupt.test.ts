// Ctrl-C in the middle of a run: the CLI stops the checks, deletes what the run created, writes the
// summary it has, and exits 130. The upload is held open by the reference's swift-unmounted fault, so
// the signal lands while an image exists and a request is in flight.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GlanceClient } from '../../src/glance/index.js';
import { HttpClient } from '../../src/http/client.js';
import { StaticTokens } from '../../src/keystone/index.js';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';

const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gh-sigint-'));
let ref: ReferenceServer;

before(async () => {
  ref = await startReference({ fault: 'swift-unmounted', delays: { swiftMs: 120_000 } });
});
after(async () => {
  await ref.close();
  rmSync(work, { recursive: true, force: true });
});

/** Ids of the images tagged by the harness, as the reference admin sees them. */
async function harnessImages(): Promise<string[]> {
  const admin = ref.users.find((u) => u.role === 'admin');
  assert.ok(admin);
  const tok = await fetch(`${ref.keystoneUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: admin.name, domain: { name: admin.domain }, password: admin.password } },
        },
        scope: { project: { name: admin.project, domain: { name: admin.domain } } },
      },
    }),
  });
  await tok.arrayBuffer();
  const http = new HttpClient({});
  try {
    const g = new GlanceClient(
      ref.glanceUrl,
      http,
      new StaticTokens(tok.headers.get('x-subject-token') ?? ''),
    );
    const res = await g.images.list({ tag: 'glance-harness' });
    return (res.body?.images ?? []).map((i) => i.id);
  } finally {
    await http.close();
  }
}

describe('glance-harness run interrupted by SIGINT', () => {
  it('exits 130, removes the images the run created and writes an interrupted summary', {
    timeout: 120_000,
  }, async () => {
    const admin = ref.users.find((u) => u.role === 'admin');
    assert.ok(admin);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
    const child = spawn(process.execPath, [BIN, 'run', '--suite', 'lifecycle', '--workers', '1'], {
      cwd: work,
      env: {
        ...clean,
        HOME: work,
        GLANCE_HARNESS_REPORTS_DIR: join(work, 'reports'),
        OS_AUTH_URL: ref.keystoneUrl,
        OS_USERNAME: admin.name,
        OS_PASSWORD: admin.password,
        OS_PROJECT_NAME: admin.project,
        OS_USER_DOMAIN_NAME: admin.domain,
        OS_PROJECT_DOMAIN_NAME: admin.domain,
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));

    // Wait until the run has created an image (its upload then hangs on the unmounted swift store).
    const deadline = Date.now() + 60_000;
    let created: string[] = [];
    while (created.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      created = await harnessImages();
    }
    assert.ok(created.length > 0, `the run created an image before the signal\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');

    const code = await exited;
    assert.equal(code, 130, output);
    assert.match(output, /SIGINT received/);
    assert.deepEqual(await harnessImages(), [], 'every image the run created is gone');
    const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8'));
    assert.equal(summary.outcome, 'interrupted');
    assert.equal(summary.exitCode, 130);
    assert.deepEqual(summary.cleanup.failed, [], JSON.stringify(summary.cleanup));
  });
});
