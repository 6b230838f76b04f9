// Ctrl-C in the middle of a run: the CLI stops the checks, deletes what the run created, writes the
// summary it has, and exits 130. The upload is held open by the reference's swift-unmounted fault, so
// the signal lands while an image exists and a request is in flight.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GlanceClient } from '../../src/glance/index.js';
import { HttpClient } from '../../src/http/client.js';
import { StaticTokens } from '../../src/keystone/index.js';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import { referenceEnv, spawnCli } from '../helpers/cli.js';
import { token } from '../reference/helpers.js';

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
  const http = new HttpClient({});
  try {
    const g = new GlanceClient(ref.glanceUrl, http, new StaticTokens(await token(ref, 'admin')));
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
    const { child, done } = spawnCli(['run', '--suite', 'lifecycle', '--workers', '1'], {
      cwd: work,
      env: referenceEnv(ref),
    });

    // Wait until the run has created an image (its upload then hangs on the unmounted swift store).
    const deadline = Date.now() + 60_000;
    let created: string[] = [];
    while (created.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      created = await harnessImages();
    }
    assert.ok(created.length > 0, 'the run created an image before the signal');
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');

    const r = await done;
    assert.equal(r.code, 130, r.out);
    assert.match(r.out, /SIGINT received/);
    assert.deepEqual(await harnessImages(), [], 'every image the run created is gone');
    const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8'));
    assert.equal(summary.outcome, 'interrupted');
    assert.equal(summary.exitCode, 130);
    assert.deepEqual(summary.cleanup.failed, [], JSON.stringify(summary.cleanup));
  });
});
