import { type CheckResult, uniqueIds } from './results.js';
import type { Outcome, Summary } from './summary.js';

/** The summary fields JUnit reads; a whole Summary fits, and so does what `load` knows before writing one. */
export type JunitInput = Pick<Summary, 'checks' | 'totals' | 'outcome' | 'durationMs'> &
  Partial<Pick<Summary, 'message' | 'cause' | 'load' | 'expectations'>>;

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes (CSI … final byte, OSC … BEL or ST) in server text
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;
// XML 1.0 forbids C0 controls but tab/LF/CR, U+FFFE/FFFF and lone surrogates (the `u` flag matches only
// unpaired ones); DEL and C1 are allowed but garble terminals and CI logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to drop
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff\ufffe\uffff]/gu;

/** Text with terminal escape sequences and control characters removed; tab, LF and CR stay. */
export function plainText(s: string): string {
  return s.replace(ANSI, '').replace(CONTROL, '');
}

/** First non-empty line of a message, cleaned. */
export function firstLine(s: string): string {
  return (
    plainText(s)
      .split(/\r\n|\r|\n/)
      .find((l) => l.trim())
      ?.trim() ?? ''
  );
}

const BROKEN: ReadonlySet<Outcome> = new Set(['runner-error', 'unreachable', 'auth-refused', 'config-error']);

/** True when the run itself broke (no verdict from checks alone), as opposed to checks failing. */
export function runBroke(summary: Pick<Summary, 'outcome'>): boolean {
  return BROKEN.has(summary.outcome);
}

function text(s: string): string {
  return plainText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** How a testcase counts in JUnit: a failure, an error, skipped, or none of them (passed). */
type Verdict = 'failure' | 'error' | 'skipped' | 'passed';

interface Case {
  xml: string;
  verdict: Verdict;
  ms: number;
}

function properties(entries: Array<[string, string | undefined]>): string {
  const lines = entries
    .filter((e): e is [string, string] => Boolean(e[1]))
    .map(([name, value]) => `        <property name="${name}" value="${attr(value)}"/>`);
  return ['      <properties>', ...lines, '      </properties>'].join('\n');
}

/**
 * An expected failure is `<skipped type="expected-fail">` (JUnit has no such state; pytest writes its
 * xfail so), so CI test views list it with its reason rather than hide it among the passes; what
 * the check said is in system-out. An unexpected pass passes, with system-out saying so, or with
 * --strict is a `<failure type="unexpected-pass">`.
 */
function testcase(c: CheckResult, suite: string, expectations: JunitInput['expectations']): Case {
  const strict = expectations?.strict === true;
  const ids = uniqueIds([...(c.requestIds ?? []), ...(c.cause?.evidence ?? [])]);
  const cause = c.cause;
  const details = [
    cause && `Cause: ${cause.id} — ${cause.title}${cause.hop ? ` (${cause.hop})` : ''}`,
    cause && `Fix: ${cause.fix}`,
    ids.length > 0 && `Request ids: ${ids.join(' ')}`,
  ];
  const e = c.expectation;
  const entry =
    e &&
    `Listed as entry [${e.index}] (id ${e.id}) of ${expectations?.file ?? 'the expectations file'}: ${e.reason}${e.bug ? `\nBug: ${e.bug}` : ''}`;
  let result = '';
  let out = '';
  let verdict: Verdict = 'passed';
  if (c.status === 'skipped') {
    result = `      <skipped message="${attr(c.skipReason ?? 'skipped')}"/>`;
    verdict = 'skipped';
  } else if (c.status === 'failed') {
    const message = (c.error && firstLine(c.error)) || cause?.title || 'failed';
    const body = [c.error, ...details].filter(Boolean).join('\n');
    result = `      <failure message="${attr(message)}" type="${attr(cause?.id ?? 'assertion')}">${text(body)}</failure>`;
    verdict = 'failure';
  } else if (c.status === 'blocked') {
    const message = cause ? `blocked by ${cause.id}: ${cause.title}` : (c.skipReason ?? 'blocked');
    const body = [...details.slice(1), c.skipReason].filter(Boolean).join('\n');
    result = `      <error message="${attr(message)}" type="blocked">${text(body)}</error>`;
    verdict = 'error';
  } else if (c.status === 'expected-fail') {
    const why = e ? `${e.reason}${e.bug ? ` (${e.bug})` : ''}` : 'listed in the expectations file';
    result = `      <skipped type="expected-fail" message="${attr(`expected failure: ${why}`)}"/>`;
    out = [`Expected failure. ${entry ?? ''}`, '', c.error, ...details]
      .filter((l): l is string => typeof l === 'string')
      .join('\n');
    verdict = 'skipped';
  } else if (c.status === 'unexpected-pass') {
    const message = `unexpected pass: listed as expected to fail${e ? ` (${e.reason})` : ''}`;
    out = `Unexpected pass: the check passed although it is listed as expected to fail; remove its entry once the fix is confirmed. ${entry ?? ''}`;
    if (strict) {
      result = `      <failure message="${attr(message)}" type="unexpected-pass">${text(out)}</failure>`;
      out = '';
      verdict = 'failure';
    }
  }
  const xml = [
    `    <testcase name="${attr(c.id)}" classname="${attr(`glance-harness.${suite}`)}" time="${seconds(c.durationMs)}">`,
    properties([
      ['title', c.title],
      ['cause', cause?.id],
      ['request-ids', ids.join(' ')],
      ['tags', c.tags.join(' ')],
      ['expectation', e ? c.status : undefined],
      ['expected-reason', e?.reason],
      ['bug', e?.bug],
    ]),
    ...(result ? [result] : []),
    ...(out ? [`      <system-out>${text(out.trim())}</system-out>`] : []),
    '    </testcase>',
  ].join('\n');
  return { xml, verdict, ms: c.durationMs };
}

/** The `run` testcase: the run broke before (or besides) the checks, e.g. unreachable target or k6 crash. */
function runCase(s: JunitInput, suite: string): Case {
  const message = s.message ?? `the run ended with outcome ${s.outcome}`;
  const body = [
    message,
    s.cause && `Cause: ${s.cause.id} — ${s.cause.title}`,
    s.cause && `Fix: ${s.cause.fix}`,
    s.cause?.evidence.length && `Request ids: ${s.cause.evidence.join(' ')}`,
  ].filter(Boolean);
  const xml = [
    `    <testcase name="run" classname="${attr(`glance-harness.${suite}`)}" time="${seconds(s.durationMs)}">`,
    `      <error message="${attr(firstLine(message))}" type="${attr(s.cause?.id ?? s.outcome)}">${text(body.join('\n'))}</error>`,
    '    </testcase>',
  ].join('\n');
  return { xml, verdict: 'error', ms: s.durationMs };
}

function counts(cases: readonly Case[]): string {
  const n = (v: Verdict): number => cases.filter((c) => c.verdict === v).length;
  return `tests="${cases.length}" failures="${n('failure')}" errors="${n('error')}" skipped="${n('skipped')}"`;
}

/**
 * JUnit XML for a run: one testsuite per check suite (a load run: one, `load.<scenario>`), one testcase
 * per check named by its id. Counts: failures = totals.failed (plus totals.unexpectedPass with
 * --strict); errors = totals.blocked, plus 1 when the run itself broke (runner-error, unreachable,
 * auth-refused, config-error), which adds a testcase named `run` carrying summary.message; skipped =
 * totals.skipped + totals.expectedFail; tests = totals.total (plus that `run` case). A runner-error
 * counts even when some checks reported, since they do not account for the break.
 */
export function junitXml(summary: JunitInput): string {
  const loadSuite = summary.load ? `load.${summary.load.scenario}` : undefined;
  const suites = new Map<string, Case[]>();
  const add = (name: string, c: Case): void => {
    const list = suites.get(name) ?? [];
    list.push(c);
    suites.set(name, list);
  };
  const strict = summary.expectations?.strict === true;
  for (const c of summary.checks) {
    const name = loadSuite ?? c.suite;
    add(name, testcase(c, name, summary.expectations));
  }
  const broke = runBroke(summary);
  if (broke) add(loadSuite ?? 'run', runCase(summary, loadSuite ?? 'run'));
  const t = summary.totals;
  const failures = t.failed + (strict ? (t.unexpectedPass ?? 0) : 0);
  const skipped = t.skipped + (t.expectedFail ?? 0);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="glance-harness" tests="${t.total + (broke ? 1 : 0)}" failures="${failures}" errors="${t.blocked + (broke ? 1 : 0)}" skipped="${skipped}" time="${seconds(summary.durationMs)}">`,
  ];
  for (const [name, cases] of suites) {
    // Every k6 check spans the whole run: summing their durations would count it once per check.
    const ms = loadSuite ? summary.durationMs : cases.reduce((sum, c) => sum + c.ms, 0);
    out.push(`  <testsuite name="${attr(name)}" ${counts(cases)} time="${seconds(ms)}">`);
    out.push(...cases.map((c) => c.xml), '  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
