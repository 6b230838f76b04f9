import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress, formatBytes, progressModeFor } from '../../src/report/progress.js';

const GiB = 1024 ** 3;

function clock(): { now: () => number; tick: (ms: number) => void } {
  let t = 1_000;
  return {
    now: () => t,
    tick: (ms) => {
      t += ms;
    },
  };
}

describe('transfer progress', () => {
  it('prints a plain line at each tenth, not on every chunk, then a closing line', () => {
    const c = clock();
    const out: string[] = [];
    const p = createProgress({
      label: 'upload big',
      total: 10 * GiB,
      mode: 'plain',
      write: (s) => out.push(s),
      now: c.now,
    });
    for (let sent = 0; sent <= 10 * GiB; sent += GiB / 8) {
      c.tick(100);
      p.update(sent);
    }
    p.done();
    const lines = out.join('').trimEnd().split('\n');
    assert.equal(lines.length, 10, lines.join('\n'));
    assert.match(lines[0] ?? '', /^ {2}upload big {2}1\.0 GiB \/ 10\.0 GiB {2}10% {2}\d+ MB\/s$/);
    assert.match(lines.at(-1) ?? '', /10\.0 GiB \/ 10\.0 GiB {2}100% .* done$/);
    assert.ok(
      out.every((s) => !s.includes('\r')),
      'plain output never rewrites a line',
    );
  });

  it('prints a plain line every 15 s when the total is unknown', () => {
    const c = clock();
    const out: string[] = [];
    const p = createProgress({ label: 'download', mode: 'plain', write: (s) => out.push(s), now: c.now });
    for (let i = 1; i <= 40; i += 1) {
      c.tick(1_000);
      p.update(i * 1e8);
    }
    assert.equal(out.length, 2);
    assert.match(out[0] ?? '', /download {2}1\.4 GiB {2}100 MB\/s/);
  });

  it('redraws one terminal line in place, at most every 250 ms', () => {
    const c = clock();
    const out: string[] = [];
    const p = createProgress({ label: 'up', total: GiB, mode: 'tty', write: (s) => out.push(s), now: c.now });
    for (let i = 1; i <= 100; i += 1) {
      c.tick(50);
      p.update(i * (GiB / 100));
    }
    p.done(false);
    assert.equal(out.length, 21);
    assert.ok(out.slice(0, -1).every((s) => s.startsWith('\r') && !s.endsWith('\n')));
    assert.match(out.at(-1) ?? '', /100% .* stopped\n$/);
  });

  it('stays silent when off, and picks the mode from the terminal', () => {
    const out: string[] = [];
    const p = createProgress({ label: 'x', total: 10, mode: 'off', write: (s) => out.push(s) });
    p.update(5);
    p.done();
    assert.deepEqual(out, []);
    assert.equal(progressModeFor(true, false), 'tty');
    assert.equal(progressModeFor(undefined, false), 'plain');
    assert.equal(progressModeFor(true, true), 'off');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  });
});
