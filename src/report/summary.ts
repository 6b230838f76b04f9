import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { causeOfCheck } from './causes.js';

/** Version of the summary.json shape; bumped only for incompatible changes (fields are only ever added). */
export const SUMMARY_SCHEMA_VERSION = 1;

export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** One check's verdict, as CI gates and scripts read it from reports/latest/summary.json. */
export interface CheckResult {
  id: string;
  title: string;
  suite: string;
  tags: string[];
  status: CheckStatus;
  durationMs: number;
  error?: string;
  /** Named cause of a failure (diagnosis rule id and fix), when one applies. */
  cause?: { id: string; title: string; fix: string };
  skipReason?: string;
  requestIds?: string[];
}

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
  /** ok | failed | unreachable | config-error | interrupted | runner-error */
  outcome: 'ok' | 'failed' | 'unreachable' | 'config-error' | 'interrupted' | 'runner-error';
  message?: string;
  target: TargetInfo;
  selection: { suites: string[]; grep?: string; readOnly: boolean };
  checks: CheckResult[];
  totals: { total: number; passed: number; failed: number; skipped: number };
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
  cause?: { id: string; title: string; fix: string };
}

/** A finding written by a worker under <run dir>/findings/*.json. */
export interface Finding {
  kind: string;
  schema?: string;
  [detail: string]: unknown;
}

/** The findings the workers wrote, once each (every worker sees the same target). */
export function readFindings(runDir: string): Finding[] {
  const dir = join(runDir, 'findings');
  if (!existsSync(dir)) return [];
  const seen = new Map<string, Finding>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    try {
      const list = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
      if (!Array.isArray(list)) continue;
      for (const f of list as Finding[]) {
        if (typeof f?.kind === 'string') seen.set(JSON.stringify(f), f);
      }
    } catch {
      // a worker killed mid-write leaves a partial file: its findings are lost, the run is not
    }
  }
  return [...seen.values()];
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

// Minimal view of Playwright's JSON reporter output: only what the summary needs.
interface PwAnnotation {
  type: string;
  description?: string;
}
interface PwResult {
  status: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';
  duration: number;
  errors?: Array<{ message?: string }>;
  error?: { message?: string };
  annotations?: PwAnnotation[];
}
interface PwTest {
  annotations: PwAnnotation[];
  status: 'expected' | 'unexpected' | 'skipped' | 'flaky';
  results: PwResult[];
}
interface PwSpec {
  title: string;
  tags?: string[];
  file: string;
  tests: PwTest[];
}
interface PwSuite {
  title: string;
  file?: string;
  specs?: PwSpec[];
  suites?: PwSuite[];
}
export interface PlaywrightJson {
  suites?: PwSuite[];
  errors?: Array<{ message?: string }>;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes from Playwright messages
const ANSI = /\u001b\[[0-9;]*m/g;

function cleanError(msg: string | undefined): string | undefined {
  if (!msg) return undefined;
  const text = msg.replace(ANSI, '').trim();
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}

/** Flattens Playwright's report into one CheckResult per test. */
export function checksFromPlaywright(report: PlaywrightJson): CheckResult[] {
  const out: CheckResult[] = [];
  const walk = (suite: PwSuite, path: string[]): void => {
    const here = suite.title && !suite.title.endsWith('.ts') ? [...path, suite.title] : path;
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests) {
        const last = t.results.at(-1);
        const annotations = [...t.annotations, ...(last?.annotations ?? [])];
        const idAnn = annotations.find((a) => a.type === 'id')?.description;
        const status: CheckStatus =
          t.status === 'skipped'
            ? 'skipped'
            : t.status === 'expected' || t.status === 'flaky'
              ? 'passed'
              : 'failed';
        const requestIds = annotations
          .filter((a) => a.type === 'request-ids')
          .flatMap((a) => (a.description ?? '').split(' '))
          .filter(Boolean);
        const error =
          status === 'failed' ? cleanError(last?.error?.message ?? last?.errors?.[0]?.message) : undefined;
        const cause = status === 'failed' ? causeOfCheck(annotations, error) : undefined;
        const skipReason =
          status === 'skipped'
            ? (annotations.find((a) => a.type === 'skip')?.description ?? 'skipped')
            : undefined;
        out.push({
          id: idAnn ?? `${spec.file}:${spec.title}`,
          title: spec.title,
          suite: here.join(' › ') || spec.file,
          tags: spec.tags ?? [],
          status,
          durationMs: Math.round(t.results.reduce((n, r) => n + r.duration, 0)),
          ...(error ? { error } : {}),
          ...(cause ? { cause } : {}),
          ...(skipReason ? { skipReason } : {}),
          ...(requestIds.length > 0 ? { requestIds } : {}),
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, here);
  };
  for (const s of report.suites ?? []) walk(s, []);
  return out;
}

export function totals(checks: readonly CheckResult[]): Summary['totals'] {
  return {
    total: checks.length,
    passed: checks.filter((c) => c.status === 'passed').length,
    failed: checks.filter((c) => c.status === 'failed').length,
    skipped: checks.filter((c) => c.status === 'skipped').length,
  };
}

/** Reads Playwright's JSON report, or undefined when the runner wrote none. */
export function readPlaywrightJson(path: string): PlaywrightJson | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PlaywrightJson;
  } catch {
    return undefined;
  }
}

/** Writes summary.json into the run dir and mirrors the run dir to reports/latest. */
export function writeSummary(reportsDir: string, runDir: string, summary: Summary): string {
  mkdirSync(runDir, { recursive: true });
  const file = join(runDir, 'summary.json');
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
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
