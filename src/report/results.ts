/**
 * A check result: what one check did, with its cause as a value. The results reporter builds these
 * from the runner's events; summary.json, JUnit, Allure, GitHub annotations and the terminal recap
 * all read them, and nothing downstream looks inside a message to learn what was known.
 */
import type { Cause, Severity } from '../diagnosis/types.js';

/**
 * passed, failed, skipped (configuration or discovery says the feature is off), or blocked: the
 * check did not run because a link it needs (database, Keystone, store, proxy upstream) was
 * already found broken by an earlier check, named by `cause`. With `run --expect-failures FILE`, a
 * listed check that failed is expected-fail and one that passed is unexpected-pass (`expectation`
 * names the entry); a listed check that was skipped or blocked stays so.
 */
export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'blocked' | 'expected-fail' | 'unexpected-pass';

export const CHECK_STATUSES: readonly CheckStatus[] = Object.freeze([
  'passed',
  'failed',
  'skipped',
  'blocked',
  'expected-fail',
  'unexpected-pass',
]);

/** How sure the harness is of a cause: confirmed by facts or a probe, or likely from the evidence. */
export type CauseConfidence = 'confirmed' | 'likely';

/** A named cause, as the check attached it: the diagnosis rule, its fix, and the evidence behind it. */
export interface CheckCause {
  /** Diagnosis rule id, e.g. `db.not-synced`. */
  id: string;
  title: string;
  fix: string;
  severity: Severity;
  confidence: CauseConfidence;
  /** Which hop failed, e.g. "front proxy (nginx), before glance-api". */
  hop?: string;
  /** Request ids (X-Openstack-Request-Id) of the exchanges behind it, the failing one first. */
  evidence: string[];
}

/** A diagnosis as the value a check carries, with the request ids behind it (the failing one first). */
export function checkCause(found: Cause, evidence: Iterable<string | undefined>): CheckCause {
  return {
    id: found.id,
    title: found.title,
    fix: found.fix,
    severity: found.severity,
    confidence: found.confirmed ? 'confirmed' : 'likely',
    hop: found.hop,
    evidence: uniqueIds(evidence).slice(0, 3),
  };
}

/** An exchange that answered slower than the latency budget. */
export interface LatencyBreach {
  method: string;
  path: string;
  /** Milliseconds until the status line (downloads: first byte), or until the harness gave up. */
  ms: number;
  budgetMs: number;
  /** True when no answer came at all within the wait the budget allows. */
  noAnswer: boolean;
  requestId?: string;
}

/** An entry of the `--expect-failures` file, as the check it matched carries it. */
export interface CheckExpectation {
  /** Position of the entry in the file's list, from 0. */
  index: number;
  /** A check id, or a glob where `*` stands for any characters (dots included). */
  id: string;
  /** Target kind (`reference`, `configured`) or endpoint URL glob the entry is limited to. */
  target?: string;
  /** CURRENT API version glob (`v2.15`, `v2.1*`) the entry is limited to. */
  release?: string;
  reason: string;
  /** URL of the upstream bug. */
  bug?: string;
}

/** A file a check attached (screenshot, exchanges), by path inside the run directory or absolute. */
export interface CheckAttachment {
  name: string;
  contentType: string;
  path: string;
}

/** One check's verdict, as CI gates and scripts read it from reports/latest/summary.json. */
export interface CheckResult {
  /** Permanent dotted id, e.g. `images.create.minimal`. */
  id: string;
  title: string;
  /** Suite name (the folder under suites/), e.g. `images`. */
  suite: string;
  /** Spec file relative to suites/. */
  file?: string;
  tags: string[];
  status: CheckStatus;
  durationMs: number;
  startedAt?: string;
  /** First lines of the failure, colour codes removed, secrets masked. */
  error?: string;
  /** Why it failed or was blocked, when a diagnosis rule names it. */
  cause?: CheckCause;
  /** Why it was skipped (always a configuration or discovery reason) or blocked. */
  skipReason?: string;
  /** Request ids of the check's exchanges, in order, without duplicates. */
  requestIds?: string[];
  latency?: LatencyBreach;
  attachments?: CheckAttachment[];
  /** The `--expect-failures` entry that made this check expected-fail or unexpected-pass (only then). */
  expectation?: CheckExpectation;
}

/** Counts by status; they add up to `total`. */
export interface Totals {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  blocked: number;
  /** Present when the run was given expectations (`--expect-failures`). */
  expectedFail?: number;
  unexpectedPass?: number;
}

const TOTALS_KEY: Readonly<Record<CheckStatus, Exclude<keyof Totals, 'total'>>> = {
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  blocked: 'blocked',
  'expected-fail': 'expectedFail',
  'unexpected-pass': 'unexpectedPass',
};

/**
 * Counts by status. `expectedFail` and `unexpectedPass` are there when the run had expectations
 * (or a check carries one of their statuses), so a run without them keeps its earlier shape.
 */
export function totals(checks: readonly CheckResult[], opts: { expectations?: boolean } = {}): Totals {
  const t: Totals = { total: checks.length, passed: 0, failed: 0, skipped: 0, blocked: 0 };
  if (opts.expectations || checks.some((c) => c.expectation)) {
    t.expectedFail = 0;
    t.unexpectedPass = 0;
  }
  for (const c of checks) {
    const key = TOTALS_KEY[c.status];
    t[key] = (t[key] ?? 0) + 1;
  }
  return t;
}

/** A group of checks that failed or were blocked by one cause, for recaps and annotations. */
export interface CauseGroup {
  cause: CheckCause;
  failed: CheckResult[];
  blocked: CheckResult[];
  /** Up to two request ids that show it. */
  requestIds: string[];
}

/** Failed and blocked checks grouped by cause id, largest group first; checks without a cause are left out. */
export function groupByCause(checks: readonly CheckResult[]): CauseGroup[] {
  const groups = new Map<string, CauseGroup>();
  for (const c of checks) {
    if ((c.status !== 'failed' && c.status !== 'blocked') || !c.cause) continue;
    let g = groups.get(c.cause.id);
    if (!g) {
      g = { cause: c.cause, failed: [], blocked: [], requestIds: [] };
      groups.set(c.cause.id, g);
    }
    (c.status === 'failed' ? g.failed : g.blocked).push(c);
    for (const rid of c.cause.evidence) {
      if (g.requestIds.length < 2 && !g.requestIds.includes(rid)) g.requestIds.push(rid);
    }
    if (c.cause.confidence === 'confirmed') g.cause = c.cause;
  }
  return [...groups.values()].sort(
    (a, b) => b.failed.length + b.blocked.length - (a.failed.length + a.blocked.length),
  );
}

/** Request ids without duplicates, first occurrence kept. */
export function uniqueIds(ids: Iterable<string | undefined>): string[] {
  const seen = new Set<string>();
  for (const id of ids) if (id) seen.add(id);
  return [...seen];
}
