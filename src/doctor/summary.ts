// doctor's walk as the run summary every command writes: one check per step, its cause as a value.
import { ExitCode } from '../errors.js';
import { type CheckResult, checkCause } from '../report/results.js';
import type { SummaryFields } from '../run/envelope.js';
import type { DoctorReport, DoctorStep } from './types.js';

/** `doctor.walk.<step>`: `tcp:keystone` becomes `doctor.walk.tcp-keystone`. */
export function stepCheckId(name: string): string {
  return `doctor.walk.${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

function stepCheck(s: DoctorStep): CheckResult {
  const status = s.status === 'ok' ? 'passed' : s.status === 'failed' ? 'failed' : 'skipped';
  return {
    id: stepCheckId(s.name),
    title: s.tried,
    suite: 'doctor',
    tags: ['doctor'],
    status,
    durationMs: 0,
    ...(status === 'failed' ? { error: s.evidence } : {}),
    ...(status === 'skipped' ? { skipReason: s.evidence } : {}),
    ...(status === 'failed' && s.cause ? { cause: checkCause(s.cause, []) } : {}),
  };
}

/** The summary fields of a walk: ok when healthy, failed at a named link, unreachable, or interrupted. */
export function doctorSummary(report: DoctorReport, interrupted: boolean): SummaryFields {
  const checks = report.steps.map(stepCheck);
  if (interrupted)
    return {
      exitCode: ExitCode.Interrupted,
      outcome: 'interrupted',
      message: 'interrupted by a signal',
      checks,
    };
  const outcome = report.healthy ? 'ok' : report.exitCode === ExitCode.Unreachable ? 'unreachable' : 'failed';
  return {
    exitCode: report.exitCode,
    outcome,
    ...(report.brokenAt ? { message: `broken at ${report.brokenAt}` } : {}),
    ...(report.cause && !report.healthy ? { cause: checkCause(report.cause, []) } : {}),
    checks,
  };
}
