// reports/latest is swapped in whole: readers never see half of it, and harness processes sharing a
// reports dir (load --segment on one machine) do not fail on each other's copy.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Summary, writeSummary } from '../../src/report/summary.js';

const work = mkdtempSync(join(tmpdir(), 'gh-latest-'));
after(() => rmSync(work, { recursive: true, force: true }));
const SUMMARY_MODULE = fileURLToPath(new URL('../../src/report/summary.ts', import.meta.url));

function summary(runId: string): Summary {
  return { schemaVersion: 1, runId, checks: [] } as unknown as Summary;
}

describe('reports/latest', () => {
  it('mirrors the newest run and leaves no temporary copies behind', () => {
    const reports = join(work, 'seq');
    for (const id of ['run-a', 'run-b']) {
      const runDir = join(reports, id);
      mkdirSync(join(runDir, 'evidence'), { recursive: true });
      writeFileSync(join(runDir, 'evidence', `${id}.ndjson`), '{}\n');
      writeSummary(reports, runDir, summary(id));
    }
    const latest = JSON.parse(readFileSync(join(reports, 'latest', 'summary.json'), 'utf8'));
    assert.equal(latest.runId, 'run-b');
    assert.deepEqual(readdirSync(join(reports, 'latest', 'evidence')), ['run-b.ndjson']);
    assert.deepEqual(readdirSync(reports).sort(), ['latest', 'run-a', 'run-b']);
  });

  it('survives four processes writing their summaries into one reports dir at once', async () => {
    const reports = join(work, 'concurrent');
    const script = `
      import { mkdirSync, writeFileSync } from 'node:fs';
      import { join } from 'node:path';
      const { writeSummary } = await import(${JSON.stringify(SUMMARY_MODULE)});
      const [reports, who] = process.argv.slice(-2);
      for (let i = 0; i < 15; i++) {
        const runId = who + '-' + i;
        const runDir = join(reports, runId);
        mkdirSync(runDir, { recursive: true });
        for (let f = 0; f < 20; f++) writeFileSync(join(runDir, 'f' + f), 'x'.repeat(4096));
        writeSummary(reports, runDir, { schemaVersion: 1, runId, checks: [] });
      }`;
    const codes = await Promise.all(
      ['p1', 'p2', 'p3', 'p4'].map(
        (who) =>
          new Promise<{ code: number | null; err: string }>((resolve) => {
            const child = spawn(
              process.execPath,
              ['--import', 'tsx', '--input-type=module', '-e', script, reports, who],
              { stdio: ['ignore', 'ignore', 'pipe'] },
            );
            let err = '';
            child.stderr.on('data', (d: Buffer) => {
              err += d.toString();
            });
            child.on('close', (code) => resolve({ code, err }));
          }),
      ),
    );
    for (const c of codes) assert.equal(c.code, 0, c.err);
    const latest = JSON.parse(readFileSync(join(reports, 'latest', 'summary.json'), 'utf8'));
    assert.match(latest.runId, /^p[1-4]-14$/);
    assert.deepEqual(
      readdirSync(reports).filter((n) => n.startsWith('.latest-')),
      [],
      'no temporary copy is left',
    );
  });
});
