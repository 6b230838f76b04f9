// Where the results reporter leaves the check results for the CLI, and how the CLI reads them back.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../report/results.js';

/** One CheckResult per line, appended as each check ends (so an interrupted run keeps what ran). */
export const RESULTS_FILE = 'results.ndjson';
/** Errors outside any check: a spec that does not load, a worker that died. */
export const RUNNER_ERRORS_FILE = 'runner-errors.ndjson';

function lines(file: string): unknown[] {
  if (!existsSync(file)) return [];
  const out: unknown[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a runner killed mid-write leaves a partial last line: that check is lost, not the run
    }
  }
  return out;
}

/** The run's check results (undefined when the runner never started) and its runner errors. */
export function readResults(runDir: string): { checks?: CheckResult[]; runnerErrors: string[] } {
  const file = join(runDir, RESULTS_FILE);
  const errors = lines(join(runDir, RUNNER_ERRORS_FILE)).map((e) =>
    String((e as { message?: unknown }).message),
  );
  return { ...(existsSync(file) ? { checks: lines(file) as CheckResult[] } : {}), runnerErrors: errors };
}
