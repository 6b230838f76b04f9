import type { Cause } from '../diagnosis/index.js';

/** One link of the walk: what was tried and what came back. */
export interface DoctorStep {
  name: string;
  /** true only when the step ran and passed (a skip is not a pass). */
  ok: boolean;
  status: 'ok' | 'failed' | 'skipped';
  tried: string;
  /** What was seen, or why the step was skipped. */
  evidence: string;
  cause?: Cause;
}

/** doctor's answer: `--json` prints it as is. */
export interface DoctorReport {
  healthy: boolean;
  /** The first step that failed. */
  brokenAt?: string;
  steps: DoctorStep[];
  /** The cause of the first broken link (or, failing that, what the DB or config facts name). */
  cause?: Cause;
  exitCode: 0 | 1 | 3;
}
