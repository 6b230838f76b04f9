// Progress of long uploads and downloads: plain lines (not a terminal, as in CI), a tenth at a time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-progress-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('glance-harness run --large progress', () => {
  it('prints plain progress lines for a 64 MiB upload and download, ending with done', {
    timeout: 120_000,
  }, async () => {
    const r = await runCli(['run', '--suite', 'data', '--grep', '@large', '--large', '64MiB'], { cwd: work });
    assert.equal(r.code, 0, r.out);
    for (const verb of ['upload', 'download']) {
      const lines = r.out
        .split('\n')
        .filter((l) => new RegExp(`^ {2}${verb} gh-\\S+-data-large {2}`).test(l));
      assert.ok(lines.length >= 5 && lines.length <= 11, `${verb}: ${lines.length} progress lines\n${r.out}`);
      assert.match(lines.at(-1) ?? '', /64\.0 MiB \/ 64\.0 MiB {2}100% {2}\d+ MB\/s {2}done$/);
      assert.ok(!lines.some((l) => l.includes('\r')), 'no terminal redraws outside a terminal');
    }
  });
});
