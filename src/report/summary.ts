import { cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRETS } from '../util/mask.js';
import type { CheckCause, CheckResult, Totals } from './results.js';

/** Version of the summary.json shape; bumped only for incompatible changes (fields are only ever added). */
export const SUMMARY_SCHEMA_VERSION = 1;

export type { CheckCause, CheckResult, CheckStatus, Totals } from './results.js';
export { totals } from './results.js';

/**
 * ok | failed (a check failed or was blocked) | unreachable (no answer before any check) |
 * auth-refused (Keystone refused the credentials) | config-error | interrupted | runner-error.
 */
export type Outcome =
  | 'ok'
  | 'failed'
  | 'unreachable'
  | 'auth-refused'
  | 'config-error'
  | 'interrupted'
  | 'runner-error';

export interface TargetInfo {
  /** 'configured' (OS_* / clouds.yaml / flags) or 'reference' (the embedded reference Glance). */
  kind: 'configured' | 'reference';
  endpoint?: string;
  endpointSource?: 'override' | 'catalog';
  authType?: string;
  authUrl?: string;
  region?: string;
  interface?: string;
  /** Highest CURRENT API version the target lists, e.g. "v2.15". */
  glanceVersion?: string;
  versions?: string[];
}

export interface Summary {
  schemaVersion: number;
  tool: { name: 'glance-harness'; version: string };
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The process exit code this summary stands for. */
  exitCode: number;
  outcome: Outcome;
  message?: string;
  target: TargetInfo;
  selection: { suites: string[]; grep?: string; readOnly: boolean };
  checks: CheckResult[];
  totals: Totals;
  reports: {
    dir: string;
    junit?: string;
    allureResults?: string;
    playwrightJson?: string;
    evidence?: string;
    /** `glance-harness load`: k6's summary JSON, web-dashboard export and throughput chart. */
    k6?: string;
  };
  cleanup?: { deleted: number; failed: string[] };
  /** Present when the run was `glance-harness load`. */
  load?: LoadSection;
  /** Observations that are not check verdicts, e.g. live schemas drifting from the pinned ones. */
  findings?: Finding[];
  /** Named cause when the run stopped before any check (unreachable target, refused login). */
  cause?: CheckCause;
}

/** A finding written by a worker under <run dir>/findings/*.json. */
export interface Finding {
  kind: string;
  schema?: string;
  [detail: string]: unknown;
}

/** A k6 load run's results (`glance-harness load <scenario>`). */
export interface LoadSection {
  scenario: string;
  /** Smoke mode: seconds long, thresholds off; the checks are then correctness facts only. */
  smoke: boolean;
  k6: { version: string; path: string; exitCode: number | null; peakRssBytes?: number };
  options: Record<string, string | number>;
  /** Share of the load profile this machine ran (`--segment i/n`). */
  segment?: { index: number; count: number; executionSegment: string };
  memory?: { availableBytes: number; requiredBytes: number; maxSafeVus: number };
  thresholds: Array<{
    metric: string;
    expression: string;
    ok: boolean;
    observed?: { stat: string; value: number };
  }>;
  /** Key metrics as k6 reported them (MB/s, bytes, p95 per operation, failure rates). */
  metrics: Record<string, Record<string, number>>;
  files: { summary?: string; dashboard?: string; chart?: string; points?: string };
}

/** Writes summary.json into the run dir and mirrors the run dir to reports/latest. */
export function writeSummary(reportsDir: string, runDir: string, summary: Summary): string {
  mkdirSync(runDir, { recursive: true });
  const file = join(runDir, 'summary.json');
  writeFileSync(file, `${JSON.stringify(SECRETS.scrubDeep(summary), null, 2)}\n`);
  mirrorToLatest(reportsDir, runDir, summary.runId);
  return file;
}

/**
 * Replaces reports/latest with a copy of the run dir. The copy is made aside and swapped in by
 * rename, so a reader never sees a half-written `latest`, and two harness processes sharing a
 * reports dir (load --segment on one machine) cannot trip over each other: the last one wins.
 */
function mirrorToLatest(reportsDir: string, runDir: string, runId: string): void {
  const latest = join(reportsDir, 'latest');
  const fresh = join(reportsDir, `.latest-${runId}-${process.pid}.new`);
  const old = join(reportsDir, `.latest-${runId}-${process.pid}.old`);
  rmSync(fresh, { recursive: true, force: true });
  cpSync(runDir, fresh, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(latest, old);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      renameSync(fresh, latest);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process put its `latest` in between: move that one aside too and try again.
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 5) {
        rmSync(fresh, { recursive: true, force: true });
        throw err;
      }
      rmSync(old, { recursive: true, force: true });
    }
  }
  rmSync(old, { recursive: true, force: true });
}
