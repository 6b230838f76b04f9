import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { SECRETS } from '../util/mask.js';
import type { CheckCause, CheckExpectation, CheckResult, Totals } from './results.js';

/** Version of the summary.json shape; bumped only for incompatible changes (fields are only ever added). */
export const SUMMARY_SCHEMA_VERSION = 1;

export type { CheckCause, CheckExpectation, CheckResult, CheckStatus, Totals } from './results.js';
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
  /** The release family read from what the target serves (or forced with --release): its pinned schemas apply. */
  releaseFamily?: string;
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
    /** `glance-harness load`: the run's load folder (results, series, charts; k6's files under k6/). */
    load?: string;
    /** Before the harness engine: k6's folder. Kept for readers of older summaries; no longer written. */
    k6?: string;
  };
  cleanup?: { deleted: number; failed: string[] };
  /** Present when the run was `glance-harness load`. */
  load?: LoadSection;
  /** Observations that are not check verdicts, e.g. live schemas drifting from the pinned ones. */
  findings?: Finding[];
  /** Named cause when the run stopped before any check (unreachable target, refused login). */
  cause?: CheckCause;
  /** Present when `run --expect-failures FILE` listed at least one entry. */
  expectations?: ExpectationsSection;
}

/** What the run's expectations file said and how it fitted this run. */
export interface ExpectationsSection {
  /** The file as given to --expect-failures. */
  file: string;
  /** --strict: an unexpected pass fails the run. */
  strict: boolean;
  /** Entries in the file. */
  entries: number;
  /** Entries whose target and release match this run. */
  inScope: number;
  /** Entries in scope whose id matches no check of the selection: left over, or a typo. */
  stale: CheckExpectation[];
}

/** A finding written by a worker under <run dir>/findings/*.json. */
export interface Finding {
  kind: string;
  schema?: string;
  [detail: string]: unknown;
}

/** A load run's results (`glance-harness load <scenario>`, `load merge`). */
export interface LoadSection {
  scenario: string;
  /** Smoke mode: seconds long, thresholds off; the checks are then correctness facts only. */
  smoke: boolean;
  /** The engine that made the load: the harness's own (default) or the operator's k6. */
  engine: { name: 'harness' | 'k6'; version: string; peakRssBytes?: number };
  /** k6 runs only (`--engine k6`): the k6 binary and its exit code. */
  k6?: { version: string; path: string; exitCode: number | null; peakRssBytes?: number };
  options: Record<string, string | number>;
  /** The k6 executor the scenario used (shared-iterations, constant-vus, ramping-arrival-rate). */
  executor?: string;
  /** Share of the load profile this machine ran (`--segment i/n`). */
  segment?: { index: number; count: number; executionSegment: string };
  /** `load merge`: the segments merged into this summary. */
  merged?: Array<{ index: number; count: number; runDir: string }>;
  memory?: { availableBytes: number; requiredBytes: number; maxSafeVus: number };
  thresholds: Array<{
    metric: string;
    expression: string;
    ok: boolean;
    observed?: { stat: string; value: number };
  }>;
  /** Key metrics (MB/s, bytes, p95 per operation, failure rates), k6's names and statistics. */
  metrics: Record<string, Record<string, number>>;
  /** Files of the run: results (HDR), series, charts; k6's summary, points and dashboard. */
  files: Record<string, string>;
}

/** The file that marks a directory as the harness's own (a run dir, `latest`); it holds the run id. */
export const RUN_MARKER = '.glance-harness-run';

/** Marks `dir` as a run directory of the harness, so `latest` may later be replaced by a copy of it. */
export function markRunDir(dir: string, runId: string): void {
  writeFileSync(join(dir, RUN_MARKER), `${runId}\n`);
}

/** What writeSummary did: the summary's path and, when `latest` was left alone, the one line that says why. */
export interface WrittenSummary {
  path: string;
  warning?: string;
}

/** Writes summary.json into the run dir and mirrors the run dir to reports/latest. */
export function writeSummary(reportsDir: string, runDir: string, summary: Summary): WrittenSummary {
  mkdirSync(runDir, { recursive: true });
  markRunDir(runDir, summary.runId);
  const file = join(runDir, 'summary.json');
  writeFileSync(file, `${JSON.stringify(SECRETS.scrubDeep(summary), null, 2)}\n`);
  const warning = mirrorToLatest(reportsDir, runDir, summary.runId);
  return { path: file, ...(warning ? { warning } : {}) };
}

/** Why `latest` is not the harness's to replace, or undefined when it is (absent, or a marked directory). */
function foreignLatest(latest: string): string | undefined {
  let st: Stats;
  try {
    st = lstatSync(latest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (!st.isDirectory()) return 'a file';
  if (existsSync(join(latest, RUN_MARKER)) || writtenByEarlierVersion(latest)) return undefined;
  return `a directory without ${RUN_MARKER}`;
}

/** A `latest` from before the marker existed: its summary.json names this tool. */
function writtenByEarlierVersion(latest: string): boolean {
  try {
    const s = JSON.parse(readFileSync(join(latest, 'summary.json'), 'utf8')) as { tool?: { name?: unknown } };
    return s.tool?.name === 'glance-harness';
  } catch {
    return false;
  }
}

/**
 * Replaces reports/latest with a copy of the run dir. The copy is made aside and swapped in by
 * rename, so a reader never sees a half-written `latest`, and two harness processes sharing a
 * reports dir (load --segment on one machine) cannot trip over each other: the last one wins.
 * A `latest` the harness did not make (no RUN_MARKER) is never moved or deleted: the warning says so.
 * The run's results are already in its own directory, so a `latest` that cannot be written is a
 * warning too, never a failed run.
 */
function mirrorToLatest(reportsDir: string, runDir: string, runId: string): string | undefined {
  const latest = join(reportsDir, 'latest');
  const fresh = join(reportsDir, `.latest-${runId}-${process.pid}.new`);
  const old = join(reportsDir, `.latest-${runId}-${process.pid}.old`);
  const leftAlone = (what: string): string =>
    `${latest} is not the harness's (${what}) and was left as it is (move it away to let the harness update it); this run's reports are in ${runDir}`;
  const dropFresh = (): void => {
    try {
      rmSync(fresh, { recursive: true, force: true });
    } catch {
      // Only a temporary copy: the warning below is what matters.
    }
  };
  try {
    const foreign = foreignLatest(latest);
    if (foreign) return leftAlone(foreign);
    rmSync(fresh, { recursive: true, force: true });
    cpSync(runDir, fresh, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      // Checked again each time: another process may have put something in place since.
      const now = foreignLatest(latest);
      if (now) {
        dropFresh();
        return leftAlone(now);
      }
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
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 5) throw err;
        rmSync(old, { recursive: true, force: true });
      }
    }
    rmSync(old, { recursive: true, force: true });
    return undefined;
  } catch (err) {
    dropFresh();
    const code = (err as NodeJS.ErrnoException).code;
    if (!code) throw err;
    return `${latest} was not updated (${(err as Error).message}); this run's reports are in ${runDir}`;
  }
}
