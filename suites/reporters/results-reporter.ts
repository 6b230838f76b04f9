// The one reporter: turns the runner's events into check results (results.ndjson in the run
// directory, one line per check as it ends) and prints one line per check for people. Every other
// report (summary.json, JUnit, Allure, annotations, the recap) is written by the CLI from those results.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FullConfig, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { createColors } from 'picocolors';
import { oneLine, safeText } from '../../src/report/recap.js';
import type { CheckAttachment, CheckCause, CheckResult, CheckStatus } from '../../src/report/results.js';
import { SERVICE_KEY_ENV } from '../../src/run/context.js';
import { RESULTS_FILE, RUNNER_ERRORS_FILE } from '../../src/run/results-file.js';
import { SECRETS } from '../../src/util/mask.js';
import { BLOCKED_ANNOTATION, runContext } from '../context.js';
import { CHECK_ATTACHMENT, type CheckAttachmentBody } from '../fixtures.js';

const SUITES_DIR = join(import.meta.dirname, '..');
/** Enough of a failure to act on; the rest is in the reports. */
const FAILURE_LINES = 8;

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes from Playwright messages
const ANSI = /\u001b\[[0-9;]*m/g;

function errorText(result: TestResult): string | undefined {
  const errors = result.errors.length > 0 ? result.errors : result.error ? [result.error] : [];
  const lines = errors
    .flatMap((e) => (e.message ?? e.value ?? '').replace(ANSI, '').split('\n'))
    .filter((l) => l.trim().length > 0 && !/^\s+at /.test(l));
  if (lines.length === 0) return undefined;
  const text = SECRETS.scrub(lines.join('\n'));
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}

/** Attachments whose bytes are text, so a secret echoed in them can be scrubbed. */
function isText(contentType: string): boolean {
  return /^text\/|[/+](json|xml)\b|^application\/(x-ndjson|x-www-form-urlencoded)/i.test(contentType);
}

function checkBody(result: TestResult): CheckAttachmentBody | undefined {
  const a = result.attachments.find((x) => x.name === CHECK_ATTACHMENT && x.body);
  return a?.body ? (JSON.parse(a.body.toString('utf8')) as CheckAttachmentBody) : undefined;
}

export default class ResultsReporter implements Reporter {
  private readonly ctx = runContext();
  private readonly c = createColors(this.ctx.color);
  private readonly file = join(this.ctx.runDir, RESULTS_FILE);
  private readonly attachDir = join(this.ctx.runDir, 'attachments');
  private total = 0;
  private done = 0;
  private started = Date.now();

  constructor() {
    // This process is handed only the run service's key; the tokens and passwords that could be echoed
    // are masked where the text is made (the workers' HTTP client) and again when the CLI writes the summary.
    SECRETS.add(process.env[SERVICE_KEY_ENV]);
  }

  printsToStdio(): boolean {
    return true;
  }

  onBegin(_config: FullConfig, suite: Suite): void {
    this.total = suite.allTests().length;
    this.started = Date.now();
    writeFileSync(this.file, '');
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    this.done += 1;
    const check = this.resultOf(test, result);
    appendFileSync(this.file, `${JSON.stringify(check)}\n`);
    this.print(check);
  }

  /** The first check that failed in each group: a serial group skips the rest after it. */
  private readonly firstFailure = new Map<Suite, string>();

  /** "not run: <id> failed first in its serial group", when an earlier check of the group failed. */
  private failedFirst(test: TestCase): string | undefined {
    for (let group: Suite | undefined = test.parent; group; group = group.parent) {
      const failed = this.firstFailure.get(group);
      if (failed) return `not run: ${failed} failed first in its serial group (${group.title || 'its file'})`;
    }
    return undefined;
  }

  private resultOf(test: TestCase, result: TestResult): CheckResult {
    const body = checkBody(result);
    const annotations = [...test.annotations, ...(result.annotations ?? [])];
    const id = annotations.find((a) => a.type === 'id')?.description ?? test.title;
    const file = relative(SUITES_DIR, test.location.file);
    const blockedNote = annotations.find((a) => a.type === BLOCKED_ANNOTATION)?.description;
    const blocked = body?.blocked ?? (blockedNote ? (JSON.parse(blockedNote) as CheckCause) : undefined);
    const status: CheckStatus = blocked
      ? 'blocked'
      : result.status === 'passed'
        ? 'passed'
        : result.status === 'skipped' || result.status === 'interrupted'
          ? 'skipped'
          : 'failed';
    const skipReason =
      status === 'blocked'
        ? `blocked by ${blocked?.id}: ${blocked?.title}`
        : status === 'skipped'
          ? result.status === 'interrupted'
            ? 'not run: the run was interrupted'
            : (annotations.find((a) => a.type === 'skip')?.description ??
              this.failedFirst(test) ??
              'skipped without a reason')
          : undefined;
    if (status === 'failed' && !this.firstFailure.has(test.parent)) this.firstFailure.set(test.parent, id);
    const cause = status === 'blocked' ? blocked : status === 'failed' ? body?.cause : undefined;
    const error = status === 'failed' ? errorText(result) : undefined;
    return {
      id,
      title: test.title,
      suite: file.split(sep)[0] ?? file,
      file,
      tags: test.tags.map((t) => t.replace(/^@/, '')),
      status,
      durationMs: Math.round(result.duration),
      startedAt: result.startTime.toISOString(),
      ...(error ? { error } : {}),
      ...(cause ? { cause } : {}),
      ...(skipReason ? { skipReason } : {}),
      ...(body?.requestIds.length ? { requestIds: body.requestIds } : {}),
      ...(body?.latency ? { latency: body.latency } : {}),
      ...this.attachmentsOf(id, result),
    };
  }

  /** Attachments as files: screenshots keep their path, in-memory bodies are written under attachments/. */
  private attachmentsOf(id: string, result: TestResult): { attachments?: CheckAttachment[] } {
    const out: CheckAttachment[] = [];
    for (const a of result.attachments) {
      if (a.name === CHECK_ATTACHMENT) continue;
      let path = a.path;
      if (!path && a.body) {
        mkdirSync(this.attachDir, { recursive: true });
        path = join(this.attachDir, `${id}-${a.name}`.replace(/[^A-Za-z0-9._-]/g, '_'));
        writeFileSync(path, isText(a.contentType) ? SECRETS.scrub(a.body.toString('utf8')) : a.body);
      }
      if (path) out.push({ name: a.name, contentType: a.contentType, path });
    }
    return out.length > 0 ? { attachments: out } : {};
  }

  private print(r: CheckResult): void {
    const c = this.c;
    const clock = `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
    const at = c.dim(`[${this.done}/${this.total} ${clock}]`);
    const ms = `(${r.durationMs} ms)`;
    const title = oneLine(r.title);
    const lines: string[] = [];
    if (r.status === 'passed') lines.push(`${at} ${c.green('PASS')} ${r.id}  ${title} ${c.dim(ms)}`);
    else if (r.status === 'skipped')
      lines.push(`${at} ${c.yellow('SKIP')} ${r.id}: ${oneLine(r.skipReason ?? '')}`);
    else if (r.status === 'blocked') lines.push(`${at} ${c.magenta('BLOCKED')} ${r.id} by ${r.cause?.id}`);
    else {
      lines.push(
        `${at} ${c.red('FAIL')} ${r.id}  ${title} ${ms}${r.cause ? `  cause ${c.bold(r.cause.id)}` : ''}`,
      );
      const why = safeText(r.error ?? 'failed').split('\n');
      for (const l of why.slice(0, FAILURE_LINES)) lines.push(`         ${l.trim()}`);
      if (why.length > FAILURE_LINES)
        lines.push(`         … ${why.length - FAILURE_LINES} more lines in the reports`);
    }
    process.stderr.write(`${lines.join('\n')}\n`);
  }

  /** Workers' stderr (upload progress, warnings) reaches the terminal as written. */
  onStdErr(chunk: string | Buffer): void {
    process.stderr.write(chunk);
  }

  onStdOut(chunk: string | Buffer): void {
    process.stderr.write(chunk);
  }

  /** Errors outside any check (a spec that does not load, a worker that died) are run errors. */
  onError(error: { message?: string; value?: string }): void {
    const message = SECRETS.scrub((error.message ?? error.value ?? 'unknown error').replace(ANSI, ''));
    appendFileSync(join(this.ctx.runDir, RUNNER_ERRORS_FILE), `${JSON.stringify({ message })}\n`);
    process.stderr.write(`${this.c.red('ERROR')} ${safeText(message.split('\n')[0] ?? '')}\n`);
  }
}
