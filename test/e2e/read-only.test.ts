import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Exchange } from '../../src/http/evidence.js';
import { type CliResult, runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-ro-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: work });
}

describe('glance-harness run --read-only', () => {
  it('runs only non-writing checks and sends Glance nothing but GET and HEAD', async () => {
    const suites = 'discovery,images,negative,schemas';
    const r = await run(['run', '--read-only', '--suite', suites]);
    assert.equal(r.code, 0, r.out);
    const latest = join(work, 'reports', 'latest');
    const summary = JSON.parse(readFileSync(join(latest, 'summary.json'), 'utf8'));
    assert.equal(summary.selection.readOnly, true);
    assert.equal(summary.totals.failed, 0);
    const ids: string[] = summary.checks.map((c: { id: string }) => c.id);
    for (const expected of [
      'negative.show.unknown-id',
      'negative.list.bad-sort-key',
      'schemas.served.image',
    ]) {
      assert.ok(ids.includes(expected), `${expected} runs in read-only mode (ran: ${ids.join(', ')})`);
    }
    for (const writer of ['images.create.minimal', 'negative.delete.unknown-id', 'images.list.filter-name']) {
      assert.ok(!ids.includes(writer), `${writer} writes and must not run in read-only mode`);
    }
    const exchanges: Exchange[] = readdirSync(join(latest, 'evidence'))
      .flatMap((f) => readFileSync(join(latest, 'evidence', f), 'utf8').split('\n'))
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Exchange);
    const glance = exchanges.filter((e) => !new URL(e.url).pathname.startsWith('/v3/'));
    assert.ok(glance.length > 20, `recorded ${glance.length} Glance exchanges`);
    const writes = glance.filter((e) => e.method !== 'GET' && e.method !== 'HEAD');
    assert.deepEqual(
      writes.map((e) => `${e.method} ${e.path}`),
      [],
      'a read-only run sent write requests to Glance',
    );
  });
});
