import { createColors } from 'picocolors';
import { safeText } from '../report/recap.js';
import type { DoctorReport, DoctorStep } from './types.js';

const MARK = { ok: '✔', failed: '✘', skipped: '–' } as const;

/** One line per step: mark, name, what was tried, evidence, and for a failure the cause and fix. */
export function stepLine(s: DoctorStep, color = false): string {
  const c = createColors(color);
  const paint = { ok: c.green, failed: c.red, skipped: c.yellow }[s.status];
  const head = `${paint(MARK[s.status])} ${s.name.padEnd(13)} ${safeText(s.tried)}`;
  const evidence = safeText(s.evidence);
  if (s.status === 'skipped') return `${head} — skipped: ${evidence}`;
  if (s.status === 'ok') return `${head} — ${evidence}`;
  const cause = s.cause
    ? ` — cause ${c.bold(s.cause.id)}${s.cause.confirmed ? ' (confirmed)' : ''}: ${s.cause.title}. Fix: ${s.cause.fix}`
    : ' — no known cause matches this evidence';
  return `${head} — ${evidence}${cause}`;
}

/** The closing line. */
export function verdictLine(r: DoctorReport): string {
  if (r.healthy) {
    const ran = r.steps.filter((s) => s.status === 'ok').length;
    const skipped = r.steps.filter((s) => s.status === 'skipped').length;
    return `doctor: healthy (${ran} steps passed${skipped ? `, ${skipped} skipped` : ''})`;
  }
  if (r.cause) return `doctor: broken at ${r.brokenAt}: ${r.cause.id} (${r.cause.hop}). Fix: ${r.cause.fix}`;
  return `doctor: broken at ${r.brokenAt}${r.exitCode === 3 ? ': target unreachable' : ''}; no known cause matches the evidence above`;
}

/** The --json document: {steps:[{name, ok, evidence, cause?}], cause?} plus status, tried, exit code. */
export function reportJson(r: DoctorReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
