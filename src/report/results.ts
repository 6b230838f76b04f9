/**
 * A check result: what one check did, with its cause as a value. The results reporter builds these
 * from the runner's events; summary.json, JUnit, Allure, GitHub annotations and the terminal recap
 * all read them, and nothing downstream looks inside a message to learn what was known.
 */
import type { Cause, Severity } from '../diagnosis/types.js';

/**
 * passed, failed, skipped (configuration or discovery says the feature is off), or blocked: the
 * check did not run because a link it needs (database, Keystone, store, proxy upstream) was
 * already found broken by an earlier check, named by `cause`.
 */
export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'blocked';

export const CHECK_STATUSES: readonly CheckStatus[] = Object.freeze([
  'passed',
  'failed',
  'skipped',
  'blocked',
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
}

export interface Totals {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  blocked: number;
}

/** Counts by status. */
export function totals(checks: readonly CheckResult[]): Totals {
  const t: Totals = { total: checks.length, passed: 0, failed: 0, skipped: 0, blocked: 0 };
  for (const c of checks) t[c.status] += 1;
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
