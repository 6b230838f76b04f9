import { firstLine, plainText, runBroke } from './junit.js';
import { expectationText, totalsLine } from './recap.js';
import { type CheckResult, groupByCause } from './results.js';
import type { Summary } from './summary.js';

type Level = 'error' | 'warning' | 'notice';

/** Workflow-command data escaping (GitHub's runner unescapes %25, %0D, %0A). */
function escapeData(s: string): string {
  return plainText(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(level: Level, props: Record<string, string | undefined>, message: string): string {
  const list = Object.entries(props)
    .filter((e): e is [string, string] => Boolean(e[1]))
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  return `::${level}${list ? ` ${list}` : ''}::${escapeData(message)}`;
}

const fileOf = (checks: readonly CheckResult[]): string | undefined => {
  const file = checks.find((c) => c.file)?.file;
  return file ? `suites/${file}` : undefined;
};

function idList(checks: readonly CheckResult[], max = 10): string {
  const ids = checks.map((c) => c.id);
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/**
 * GitHub Actions annotations: one error per cause, one per failed check without a cause, one for a
 * run that broke, a warning per unexpected pass (an error with --strict) and per stale expectations
 * entry, a warning per cleanup failure, and a notice with the totals and exit code. Expected failures
 * get none: they are what the operator said would happen.
 */
export function githubAnnotations(summary: Summary): string[] {
  const out: string[] = [];
  for (const g of groupByCause(summary.checks)) {
    const all = [...g.failed, ...g.blocked];
    const rids = g.requestIds.length > 0 ? ` — request ids: ${g.requestIds.join(' ')}` : '';
    out.push(
      command(
        'error',
        { title: `${g.cause.id}: ${g.cause.title}`, file: fileOf(all) },
        `${g.failed.length} failed, ${g.blocked.length} blocked: ${idList(all)} — fix: ${g.cause.fix}${rids}`,
      ),
    );
  }
  for (const c of summary.checks) {
    if ((c.status !== 'failed' && c.status !== 'blocked') || c.cause) continue;
    const message = (c.error && firstLine(c.error)) || c.skipReason || c.title;
    out.push(command('error', { title: c.id, file: fileOf([c]) }, message));
  }
  if (runBroke(summary)) {
    const cause = summary.cause;
    const message = summary.message ?? `the run ended with outcome ${summary.outcome}`;
    out.push(
      command(
        'error',
        { title: cause ? `${cause.id}: ${cause.title}` : `glance-harness ${summary.outcome}` },
        cause ? `${message} — fix: ${cause.fix}` : message,
      ),
    );
  }
  const expectations = summary.expectations;
  for (const c of summary.checks) {
    if (c.status !== 'unexpected-pass') continue;
    const entry = c.expectation ? `entry [${c.expectation.index}] ` : '';
    out.push(
      command(
        expectations?.strict ? 'error' : 'warning',
        { title: `unexpected pass: ${c.id}`, file: fileOf([c]) },
        `${c.id} passed although ${entry}of ${expectations?.file ?? 'the expectations file'} expects it to fail (${c.expectation ? expectationText(c.expectation) : 'no reason'}): remove the entry once the fix is confirmed`,
      ),
    );
  }
  for (const e of expectations?.stale ?? []) {
    out.push(
      command(
        'warning',
        { title: 'stale expectation' },
        `entry [${e.index}] (id ${e.id}) of ${expectations?.file} matches no check of this selection: ${expectationText(e)}`,
      ),
    );
  }
  for (const f of summary.cleanup?.failed ?? []) out.push(command('warning', { title: 'cleanup' }, f));
  out.push(
    command(
      'notice',
      { title: 'glance-harness' },
      `${totalsLine(summary)} — ${summary.outcome}, exit ${summary.exitCode}`,
    ),
  );
  return out;
}

/** True on GitHub Actions or when the `github` reporter is asked for. */
export function shouldAnnotate(env: NodeJS.ProcessEnv, reporters: readonly string[]): boolean {
  return env.GITHUB_ACTIONS === 'true' || reporters.includes('github');
}
