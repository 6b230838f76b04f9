/**
 * The terminal recap at the end of a run: each cause once (title, fix, how many checks, which, two
 * request ids), then what failed without a named cause, then the expectations (expected failures,
 * unexpected passes, stale entries), then sweep problems, then the totals and the exit code. It
 * reads the summary only.
 */
import { createColors } from 'picocolors';
import { type CheckExpectation, groupByCause } from './results.js';
import type { Summary } from './summary.js';

const SHOWN_IDS = 6;

function idList(ids: readonly string[]): string {
  const shown = ids.slice(0, SHOWN_IDS).join(', ');
  return ids.length > SHOWN_IDS ? `${shown} and ${ids.length - SHOWN_IDS} more` : shown;
}

/** Escapes control characters (terminal escapes included) in text a server may have written. */
export function safeText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must not reach a terminal raw
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) =>
    c === '\u001b' ? '\\e' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** safeText for a value that must stay on one line (an image name, a title): newlines escaped too. */
export function oneLine(text: string): string {
  return safeText(text).replace(/\n/g, '\\n');
}

/** "128 checks: 117 passed, 0 failed, 0 blocked, 11 skipped", then ", 2 expected-fail, 0 unexpected-pass" with expectations. */
export function totalsLine(s: Pick<Summary, 'totals'>): string {
  const t = s.totals;
  const expected =
    t.expectedFail !== undefined || t.unexpectedPass !== undefined
      ? `, ${t.expectedFail ?? 0} expected-fail, ${t.unexpectedPass ?? 0} unexpected-pass`
      : '';
  return `${t.total} checks: ${t.passed} passed, ${t.failed} failed, ${t.blocked} blocked, ${t.skipped} skipped${expected}`;
}

/** "reason (bug)" of an expectations entry, on one line. */
export function expectationText(e: Pick<CheckExpectation, 'reason' | 'bug'>): string {
  return oneLine(e.bug ? `${e.reason} (${e.bug})` : e.reason);
}

/** The recap lines, coloured when asked. */
export function recapLines(s: Summary, opts: { color: boolean }): string[] {
  const c = createColors(opts.color);
  const out: string[] = [];
  const groups = groupByCause(s.checks);
  if (s.checks.length === 0 && s.outcome !== 'ok') {
    const named = s.cause ? ` (cause ${c.bold(s.cause.id)})` : '';
    out.push(`${c.red(c.bold(s.outcome))}: ${safeText(s.message ?? '')}${named}`);
    if (s.cause) {
      out.push(`  ${s.cause.title}`, `  fix: ${s.cause.fix}`);
      if (s.cause.evidence.length > 0) out.push(`  request ids: ${s.cause.evidence.join(' ')}`);
    }
  }
  if (groups.length > 0) out.push('', c.bold('Causes'));
  for (const g of groups) {
    const counts = [
      g.failed.length ? `${g.failed.length} failed` : '',
      g.blocked.length ? `${g.blocked.length} blocked` : '',
    ]
      .filter(Boolean)
      .join(', ');
    out.push(
      `  ${c.red('✖')} ${c.bold(g.cause.id)} (${g.cause.confidence}): ${g.cause.title} — ${counts}`,
      `    fix: ${g.cause.fix}`,
    );
    if (g.failed.length) out.push(`    failed: ${idList(g.failed.map((x) => x.id))}`);
    if (g.blocked.length) out.push(`    blocked: ${idList(g.blocked.map((x) => x.id))}`);
    if (g.requestIds.length) out.push(`    request ids: ${g.requestIds.join(' ')}`);
  }
  const unnamed = s.checks.filter((x) => x.status === 'failed' && !x.cause);
  if (unnamed.length > 0) {
    out.push('', c.bold(`Failed without a named cause (${unnamed.length})`));
    for (const x of unnamed.slice(0, 20)) {
      const first = safeText((x.error ?? '').split('\n')[0] ?? '').slice(0, 200);
      out.push(`  ${c.red('✖')} ${x.id}: ${first}`);
    }
    if (unnamed.length > 20) out.push(`  and ${unnamed.length - 20} more in summary.json`);
  }
  out.push(...expectationLines(s, c));
  const sweep = s.cleanup?.failed ?? [];
  if (sweep.length > 0) {
    out.push('', c.bold('Cleanup problems'));
    for (const f of sweep) out.push(`  ${c.yellow('!')} ${safeText(f)}`);
  }
  if (s.checks.length > 0 && s.message && s.outcome !== 'ok' && s.outcome !== 'failed') {
    out.push('', `${c.red(c.bold(s.outcome))}: ${safeText(s.message)}`);
  }
  const verdict = s.exitCode === 0 ? c.green('exit 0') : c.red(`exit ${s.exitCode}`);
  out.push('', `${totalsLine(s)} (${(s.durationMs / 1000).toFixed(1)} s) — ${s.outcome}, ${verdict}`);
  return out;
}

/** The recap's expectations groups: expected failures, unexpected passes, stale entries. */
function expectationLines(s: Summary, c: ReturnType<typeof createColors>): string[] {
  const section = s.expectations;
  if (!section) return [];
  const out: string[] = [];
  const file = oneLine(section.file);
  const expected = s.checks.filter((x) => x.status === 'expected-fail');
  if (expected.length > 0) {
    out.push(
      '',
      c.bold(`Expected failures (${expected.length}), listed in ${file}: they do not fail the run`),
    );
    for (const x of expected.slice(0, 20)) {
      const cause = x.cause ? ` [cause ${x.cause.id}]` : '';
      out.push(`  ${c.cyan('~')} ${x.id}${cause}: ${x.expectation ? expectationText(x.expectation) : ''}`);
    }
    if (expected.length > 20) out.push(`  and ${expected.length - 20} more in summary.json`);
  }
  const unexpected = s.checks.filter((x) => x.status === 'unexpected-pass');
  if (unexpected.length > 0) {
    const verdict = section.strict
      ? 'they fail the run (--strict)'
      : 'a warning (--strict makes it a failure)';
    out.push(
      '',
      c.bold(`Unexpected passes (${unexpected.length}), listed in ${file} as expected to fail: ${verdict}`),
    );
    for (const x of unexpected.slice(0, 20)) {
      const mark = section.strict ? c.red('✖') : c.yellow('!');
      const entry = x.expectation ? ` — remove entry [${x.expectation.index}] once the fix is confirmed` : '';
      out.push(`  ${mark} ${x.id}: ${x.expectation ? expectationText(x.expectation) : ''}${entry}`);
    }
    if (unexpected.length > 20) out.push(`  and ${unexpected.length - 20} more in summary.json`);
  }
  if (section.stale.length > 0) {
    out.push(
      '',
      c.bold(
        `Stale expectations (${section.stale.length}): entries of ${file} that match no check of this selection`,
      ),
    );
    for (const e of section.stale)
      out.push(`  ${c.yellow('!')} [${e.index}] ${oneLine(e.id)}: ${expectationText(e)}`);
  }
  return out;
}
