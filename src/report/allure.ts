/**
 * Allure 2 results written from check results: one `<uuid>-result.json` per check, categories.json
 * built from the diagnosis rules, environment.properties and executor.json. A failed check with a
 * cause gets the stable message `<cause id>: <cause title>`, so Allure's Categories tab puts every
 * check of one cause in one group; the changing details (request ids, timings) go to the trace.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { RULES } from '../diagnosis/index.js';
import type { Severity } from '../diagnosis/types.js';
import { ExitCode, HarnessError } from '../errors.js';
import { type CheckCause, type CheckResult, uniqueIds } from './results.js';
import type { Summary } from './summary.js';

export type AllureStatus = 'passed' | 'failed' | 'broken' | 'skipped';

/** One Allure category (allure-results/categories.json); Allure matches messageRegex against the whole message. */
export interface AllureCategory {
  name: string;
  messageRegex: string;
  matchedStatuses: AllureStatus[];
  description?: string;
}

export interface AllureLabel {
  name: string;
  value: string;
}

/** An attachment as a result file names it: `source` is a file in the results directory. */
export interface AllureResultAttachment {
  name: string;
  source: string;
  type: string;
}

/** The result JSON allure-js writes (`<uuid>-result.json`), as far as the harness fills it. */
export interface AllureResult {
  uuid: string;
  historyId: string;
  testCaseId: string;
  name: string;
  fullName: string;
  status: AllureStatus;
  statusDetails: { message?: string; trace?: string };
  stage: 'finished';
  start: number;
  stop: number;
  labels: AllureLabel[];
  parameters: Array<{ name: string; value: string }>;
  links: Array<{ name?: string; url: string; type?: string }>;
  steps: unknown[];
  attachments: AllureResultAttachment[];
}

export interface AllureWriteOptions {
  /** executor.json's reportName; `reportNameFor(summary)` gives the usual one. */
  reportName: string;
  /** Where relative attachment paths start; summary.reports.dir by default. */
  runDir?: string;
  /** History of earlier runs of the same selection (`allureHistoryDir`), copied in as `history/`. */
  historyDir?: string;
  /** CI variables (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_NUMBER) for executor.json. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The host label; this machine's name by default. */
  host?: string;
}

const PARENT_SUITE = 'glance-harness';
/** Message prefixes of the expectations' statuses, which their categories match. */
const EXPECTED_FAILURE = 'expected failure: ';
const UNEXPECTED_PASS = 'unexpected pass: ';

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function hex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** A UUID-shaped id derived from its parts, so writing the same run twice overwrites instead of duplicating. */
function uuidOf(...parts: string[]): string {
  const h = hex(...parts);
  const variant = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A short stable key for a selection (suites, grep, read-only), e.g. `images+tasks-ro-1f0c9a2b`:
 * Allure trend history is kept per key, so a 10-check run never mixes with a 128-check one.
 */
export function selectionKey(selection: Summary['selection']): string {
  const suites = [...new Set(selection.suites)].sort();
  const canonical = JSON.stringify({ suites, grep: selection.grep ?? null, readOnly: selection.readOnly });
  const slug =
    suites.length === 0
      ? 'none'
      : suites.length <= 3
        ? suites.map((s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-')).join('+')
        : `${suites.length}-suites`;
  const flags = `${selection.readOnly ? '-ro' : ''}${selection.grep ? '-grep' : ''}`;
  return `${slug.slice(0, 48)}${flags}-${hex(canonical).slice(0, 8)}`;
}

/** Where the Allure history of one selection lives: `<reportsDir>/allure-history/<selectionKey>`. */
export function allureHistoryDir(reportsDir: string, selection: Summary['selection']): string {
  return join(reportsDir, 'allure-history', selectionKey(selection));
}

/** `glance-harness — <target endpoint>`, the report's title. */
export function reportNameFor(summary: Pick<Summary, 'target'>): string {
  const where =
    summary.target.endpoint ??
    (summary.target.kind === 'reference' ? 'embedded reference Glance' : 'no endpoint');
  return `glance-harness — ${where}`;
}

/** Allure categories from the rules: failures group by named cause, blocked checks by the cause that blocked them. */
export function allureCategories(
  extra: ReadonlyArray<Pick<CheckCause, 'id' | 'title' | 'fix'>> = [],
): AllureCategory[] {
  const causes: Array<Pick<CheckCause, 'id' | 'title' | 'fix'>> = [...RULES];
  for (const c of extra) if (!causes.some((k) => k.id === c.id)) causes.push(c);
  const named = `(?:(?:${causes.map((c) => escapeRegex(c.id)).join('|')}): |${UNEXPECTED_PASS})`;
  return [
    {
      name: 'Expected failures',
      messageRegex: `^${EXPECTED_FAILURE}.*`,
      matchedStatuses: ['skipped'],
      description:
        'Checks listed in the expectations file (--expect-failures) that failed: they do not fail the run.',
    },
    {
      name: 'Unexpected passes (--strict)',
      messageRegex: `^${UNEXPECTED_PASS}.*`,
      matchedStatuses: ['failed'],
      description:
        'Checks listed as expected to fail that passed: remove their entries once the fix is confirmed.',
    },
    ...causes.map((c) => ({
      name: `${c.id}: ${c.title}`,
      messageRegex: `^${escapeRegex(c.id)}: .*`,
      matchedStatuses: ['failed', 'broken'] as AllureStatus[],
      description: c.fix,
    })),
    ...causes.map((c) => ({
      name: `Blocked by ${c.id}`,
      messageRegex: `^blocked by ${escapeRegex(c.id)}:.*`,
      matchedStatuses: ['skipped'] as AllureStatus[],
      description: `${c.title}. ${c.fix}`,
    })),
    {
      name: 'Failed checks without a named cause',
      messageRegex: `^(?!${named}).*`,
      matchedStatuses: ['failed'],
    },
    {
      name: 'Broken (harness or set-up errors)',
      messageRegex: `^(?!${named}).*`,
      matchedStatuses: ['broken'],
    },
  ];
}

/** The message Allure groups by for a check with a cause: the same for every check of that cause. */
export function causeMessage(cause: Pick<CheckCause, 'id' | 'title'>): string {
  return `${cause.id}: ${cause.title}`;
}

const REQUEST_ID = /\breq-[0-9a-f]{4}[0-9a-f-]*…?/gi;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const RUN_ID = /\b\d{8}-\d{6}-[0-9a-f]{4}\b/g;
const DURATION = /\b\d+(?:\.\d+)? ?(ms|s)\b/g;

/**
 * The first line of a text with what changes from run to run (request ids, UUIDs, run ids,
 * timings) replaced by placeholders, so equal failures share one Allure message group.
 */
export function stableLine(text: string, runId?: string): string {
  let line = text.trim().split('\n', 1)[0] ?? '';
  if (runId) line = line.split(runId).join('<run-id>');
  line = line
    .replace(REQUEST_ID, 'req-<id>')
    .replace(UUID, '<uuid>')
    .replace(RUN_ID, '<run-id>')
    .replace(DURATION, '<n> $1');
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

const ALLURE_SEVERITY: Record<Severity, string> = { critical: 'critical', major: 'normal', minor: 'minor' };

const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'text/html': 'html',
  'text/csv': 'csv',
  'application/json': 'json',
  'application/xml': 'xml',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/svg+xml': 'svg',
  'video/webm': 'webm',
  'application/zip': 'zip',
};

/**
 * Copies a file into the results directory as `<id>-attachment.<ext>` and returns the reference a
 * result carries, or undefined when the file is gone.
 */
export function copyAttachment(
  dir: string,
  a: { name: string; path: string; contentType: string; extension?: string },
  id: string = randomUUID(),
): AllureResultAttachment | undefined {
  if (!existsSync(a.path)) return undefined;
  const ext = a.extension ?? (extname(a.path).slice(1) || EXTENSIONS[a.contentType] || 'bin');
  const source = `${id}-attachment.${ext}`;
  mkdirSync(dir, { recursive: true });
  copyFileSync(a.path, join(dir, source));
  return { name: a.name, source, type: a.contentType };
}

/** Writes one result as `<uuid>-result.json`. */
export function writeAllureResult(dir: string, result: { uuid: string }): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.uuid}-result.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

function causeTrace(cause: CheckCause): string[] {
  return [
    `Cause: ${cause.id} — ${cause.title} (${cause.confidence}, ${cause.severity})`,
    ...(cause.hop ? [`Hop: ${cause.hop}`] : []),
    `Fix: ${cause.fix}`,
  ];
}

function checkTrace(c: CheckResult): string {
  const ids = uniqueIds([...(c.cause?.evidence ?? []), ...(c.requestIds ?? [])]);
  const lat = c.latency;
  return [
    ...(c.error ? [c.error, ''] : []),
    ...(c.status === 'blocked' && c.skipReason ? [c.skipReason, ''] : []),
    ...(c.cause ? causeTrace(c.cause) : []),
    ...(lat
      ? [
          lat.noAnswer
            ? `Slow: ${lat.method} ${lat.path} gave no answer within ${lat.ms} ms (budget ${lat.budgetMs} ms)`
            : `Slow: ${lat.method} ${lat.path} answered after ${lat.ms} ms (budget ${lat.budgetMs} ms)`,
        ]
      : []),
    ...(ids.length > 0 ? [`Request ids: ${ids.join(' ')}`] : []),
  ]
    .join('\n')
    .trim();
}

/** "reason (bug)" of the entry a check matched. */
function entryText(c: CheckResult): string {
  const e = c.expectation;
  if (!e) return 'listed in the expectations file';
  return e.bug ? `${e.reason} (${e.bug})` : e.reason;
}

/**
 * Allure has no expected-failure state: as allure-pytest does for xfail, an expected failure is
 * skipped with the message `expected failure: <reason>`; an unexpected pass is passed with the message
 * `unexpected pass: <reason>`, or failed with --strict. Both carry the `expectation` label.
 */
function statusOf(
  c: CheckResult,
  runId: string,
  strict: boolean,
): Pick<AllureResult, 'status' | 'statusDetails'> {
  switch (c.status) {
    case 'expected-fail':
      return {
        status: 'skipped',
        statusDetails: { message: `${EXPECTED_FAILURE}${entryText(c)}`, trace: checkTrace(c) },
      };
    case 'unexpected-pass':
      return {
        status: strict ? 'failed' : 'passed',
        statusDetails: {
          message: `${UNEXPECTED_PASS}${entryText(c)}`,
          trace:
            'The check passed although it is listed as expected to fail: remove its entry once the fix is confirmed.',
        },
      };
    case 'passed':
      return { status: 'passed', statusDetails: {} };
    case 'failed':
      return {
        status: 'failed',
        statusDetails: {
          message: c.cause
            ? causeMessage(c.cause)
            : stableLine(c.error ?? 'failed without an error message', runId),
          trace: checkTrace(c),
        },
      };
    case 'blocked':
      return {
        status: 'skipped',
        statusDetails: {
          message: c.cause
            ? `blocked by ${causeMessage(c.cause)}`
            : `blocked: ${stableLine(c.skipReason ?? 'an earlier check found a broken link', runId)}`,
          trace: checkTrace(c),
        },
      };
    case 'skipped':
      return { status: 'skipped', statusDetails: { message: c.skipReason ?? 'skipped' } };
  }
}

interface ResultContext {
  dir: string;
  /** --strict: an unexpected pass is a failure. */
  strict: boolean;
  runId: string;
  key: string;
  runDir: string;
  host: string;
  fallbackStart: number;
}

function resultOf(c: CheckResult, index: number, ctx: ResultContext): AllureResult {
  const uuid = uuidOf(ctx.runId, String(index), c.id);
  const start = (c.startedAt ? Date.parse(c.startedAt) : Number.NaN) || ctx.fallbackStart;
  const attachments = (c.attachments ?? []).flatMap((a, i) => {
    const ref = copyAttachment(
      ctx.dir,
      { name: a.name, path: resolve(ctx.runDir, a.path), contentType: a.contentType },
      uuidOf(uuid, 'attachment', String(i)),
    );
    return ref ? [ref] : [];
  });
  return {
    uuid,
    historyId: hex(c.id, ctx.key).slice(0, 32),
    testCaseId: hex(c.id).slice(0, 32),
    name: c.title,
    fullName: c.id,
    ...statusOf(c, ctx.runId, ctx.strict),
    stage: 'finished',
    start,
    stop: start + c.durationMs,
    labels: [
      { name: 'suite', value: c.suite },
      { name: 'parentSuite', value: PARENT_SUITE },
      ...(c.file ? [{ name: 'subSuite', value: c.file }] : []),
      ...c.tags.map((value) => ({ name: 'tag', value })),
      { name: 'severity', value: c.cause ? ALLURE_SEVERITY[c.cause.severity] : 'normal' },
      ...(c.cause ? [{ name: 'cause', value: c.cause.id }] : []),
      ...(c.expectation ? [{ name: 'expectation', value: c.status }] : []),
      { name: 'host', value: ctx.host },
      { name: 'framework', value: 'playwright' },
    ],
    parameters: [],
    links: c.expectation?.bug ? [{ name: 'upstream bug', url: c.expectation.bug, type: 'issue' }] : [],
    steps: [],
    attachments,
  };
}

/** The one result of a run that stopped before any check (unreachable target, refused login, bad config). */
function brokenRunResult(summary: Summary, ctx: ResultContext): AllureResult {
  const id = `run.${summary.outcome}`;
  const cause = summary.cause;
  const text = summary.message ?? `the run ended ${summary.outcome} before any check`;
  return {
    uuid: uuidOf(ctx.runId, id),
    historyId: hex(id, ctx.key).slice(0, 32),
    testCaseId: hex(id).slice(0, 32),
    name: `${summary.outcome}: the run ended before any check`,
    fullName: id,
    status: 'broken',
    statusDetails: {
      message: cause ? causeMessage(cause) : stableLine(text, summary.runId),
      trace: [
        text,
        ...(cause ? ['', ...causeTrace(cause)] : []),
        ...(cause && cause.evidence.length > 0 ? [`Request ids: ${cause.evidence.join(' ')}`] : []),
      ].join('\n'),
    },
    stage: 'finished',
    start: ctx.fallbackStart,
    stop: Date.parse(summary.finishedAt) || ctx.fallbackStart + summary.durationMs,
    labels: [
      { name: 'suite', value: 'run' },
      { name: 'parentSuite', value: PARENT_SUITE },
      { name: 'severity', value: cause ? ALLURE_SEVERITY[cause.severity] : 'blocker' },
      ...(cause ? [{ name: 'cause', value: cause.id }] : []),
      { name: 'host', value: ctx.host },
      { name: 'framework', value: 'playwright' },
    ],
    parameters: [],
    links: [],
    steps: [],
    attachments: [],
  };
}

function property(key: string, value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  const v = value.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');
  return [`${key}=${v}`];
}

/** `images, tasks; grep "show"; read-only`. */
export function describeSelection(selection: Summary['selection']): string {
  return [
    selection.suites.join(', ') || 'no suites',
    ...(selection.grep ? [`grep "${selection.grep}"`] : []),
    ...(selection.readOnly ? ['read-only'] : []),
  ].join('; ');
}

/** The build page of a GitHub Actions run, when the variables name one. */
export function githubBuildUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

/**
 * Writes the run's Allure results into `dir`: a result per check (or one broken result when the run
 * stopped before any check), attachments, categories.json, environment.properties, executor.json,
 * and the selection's history when `historyDir` has one.
 */
export function writeAllureResults(dir: string, summary: Summary, opts: AllureWriteOptions): void {
  mkdirSync(dir, { recursive: true });
  const key = selectionKey(summary.selection);
  const ctx: ResultContext = {
    dir,
    strict: summary.expectations?.strict === true,
    runId: summary.runId,
    key,
    runDir: opts.runDir ?? summary.reports.dir,
    host: opts.host ?? hostname(),
    fallbackStart: Date.parse(summary.startedAt) || 0,
  };
  const results =
    summary.checks.length === 0 && summary.outcome !== 'ok'
      ? [brokenRunResult(summary, ctx)]
      : summary.checks.map((c, i) => resultOf(c, i, ctx));
  for (const r of results) writeAllureResult(dir, r);

  const causes = [
    ...summary.checks.flatMap((c) => (c.cause ? [c.cause] : [])),
    ...(summary.cause ? [summary.cause] : []),
  ];
  writeFileSync(join(dir, 'categories.json'), `${JSON.stringify(allureCategories(causes), null, 2)}\n`);
  writeFileSync(
    join(dir, 'environment.properties'),
    `${[
      ...property('target.endpoint', summary.target.endpoint),
      ...property('target.kind', summary.target.kind),
      ...property('glance.version', summary.target.glanceVersion),
      ...property('auth.type', summary.target.authType),
      ...property('run.id', summary.runId),
      ...property('selection', describeSelection(summary.selection)),
      ...property('selection.key', key),
      ...property('expectations', summary.expectations?.file),
      ...property('harness.version', summary.tool.version),
    ].join('\n')}\n`,
  );
  const env = opts.env ?? {};
  const buildUrl = githubBuildUrl(env);
  const buildOrder = Number(env.GITHUB_RUN_NUMBER);
  const executor = {
    name: 'glance-harness',
    type: 'glance-harness',
    buildName: summary.runId,
    reportName: opts.reportName,
    ...(buildUrl ? { buildUrl, url: `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` } : {}),
    ...(buildUrl && Number.isInteger(buildOrder) && buildOrder > 0 ? { buildOrder } : {}),
  };
  writeFileSync(join(dir, 'executor.json'), `${JSON.stringify(executor, null, 2)}\n`);
  if (opts.historyDir) copyHistoryIn(dir, opts.historyDir);
}

/** Puts the selection's history into `<results>/history`, replacing whatever was there. */
function copyHistoryIn(results: string, historyDir: string): void {
  const target = join(results, 'history');
  rmSync(target, { recursive: true, force: true });
  if (existsSync(historyDir)) cpSync(historyDir, target, { recursive: true });
}

/** The allure-commandline launcher installed with the harness. */
export function allureBinary(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('allure-commandline/package.json'));
  return join(root, 'dist', 'bin', process.platform === 'win32' ? 'allure.bat' : 'allure');
}

/**
 * Runs `allure generate` (allure-commandline, needs Java) from a results directory into `out`,
 * carrying the selection's trend history in and out of `historyDir`. Returns the index.html path.
 */
export function generateAllureReport(opts: {
  results: string;
  out: string;
  reportName: string;
  historyDir?: string;
}): string {
  if (opts.historyDir) copyHistoryIn(opts.results, opts.historyDir);
  const r = spawnSync(
    allureBinary(),
    ['generate', opts.results, '-o', opts.out, '--clean', '--report-name', opts.reportName],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (r.error || r.status !== 0) {
    const said = `${r.stderr ?? ''}\n${r.stdout ?? ''}`
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(0);
    const why = r.error?.message ?? (said ? said.slice(0, 200) : `exit ${r.status ?? r.signal}`);
    throw new HarnessError(
      'GH_REPORT',
      `allure generate failed (${why}): allure-commandline needs Java 8 or newer (check java -version, or set JAVA_HOME)`,
      ExitCode.CheckFailed,
    );
  }
  const history = join(opts.out, 'history');
  if (opts.historyDir && existsSync(history)) {
    rmSync(opts.historyDir, { recursive: true, force: true });
    mkdirSync(dirname(opts.historyDir), { recursive: true });
    cpSync(history, opts.historyDir, { recursive: true });
  }
  return join(opts.out, 'index.html');
}
