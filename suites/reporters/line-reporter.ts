import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { causeIdIn } from '../../src/diagnosis/index.js';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, s: string): string => (useColor ? `\u001b[${code}m${s}\u001b[0m` : s);

/** The check id annotation, or the title when a spec has none. */
function checkId(test: TestCase): string {
  return test.annotations.find((a) => a.type === 'id')?.description ?? test.title;
}

function lines(text: string | undefined): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes from Playwright messages
  const clean = (text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  return clean.split('\n').filter((l) => l.trim().length > 0);
}

function firstLine(text: string | undefined): string {
  return lines(text)[0] ?? '';
}

/** Enough of each failure to act on: expected vs received, schema errors; the rest is in the reports. */
const FAILURE_LINES = 16;

/** The cause id the fixture attached, or the one the failure message names. */
function causeOf(test: TestCase, result: TestResult): string | undefined {
  const annotations = [...test.annotations, ...(result.annotations ?? [])];
  const fromAnnotation = annotations.find((a) => a.type === 'cause')?.description?.split(' ')[0];
  return fromAnnotation ?? causeIdIn(result.error?.message);
}

/** One line per check as it finishes, then a closing count line; plain text when not on a terminal. */
export default class LineReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  printsToStdio(): boolean {
    return true;
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const ms = `${Math.round(result.duration)} ms`;
    const cid = checkId(test);
    if (result.status === 'passed') {
      this.passed += 1;
      process.stdout.write(`  ${paint(32, 'PASS')} ${cid}  ${test.title} (${ms})\n`);
    } else if (result.status === 'skipped') {
      this.skipped += 1;
      const reason = test.annotations.find((a) => a.type === 'skip')?.description ?? 'skipped';
      process.stdout.write(`  ${paint(33, 'SKIP')} ${cid}  ${test.title}: ${reason}\n`);
    } else {
      this.failed += 1;
      const errors = result.errors.length > 0 ? result.errors : result.error ? [result.error] : [];
      const why = errors.flatMap((e) => lines(e.message).filter((l) => !/^\s+at /.test(l)));
      const shown = why.length > 0 ? why.slice(0, FAILURE_LINES) : [result.status];
      if (why.length > FAILURE_LINES) shown.push(`… ${why.length - FAILURE_LINES} more lines in the reports`);
      const last = [...(result.annotations ?? []), ...test.annotations].find(
        (a) => a.type === 'last-request',
      );
      if (last?.description) shown.push(`last request: ${last.description}`);
      const cause = causeOf(test, result);
      process.stdout.write(
        `  ${paint(31, 'FAIL')} ${cid}  ${test.title} (${ms})${cause ? ` [cause ${cause}]` : ''}\n${shown.map((l) => `         ${l.trim()}`).join('\n')}\n`,
      );
    }
    const seen = new Set<string>();
    for (const a of [...test.annotations, ...(result.annotations ?? [])]) {
      if (a.type !== 'measurement' || !a.description || seen.has(a.description)) continue;
      seen.add(a.description);
      process.stdout.write(`         ${a.description}\n`);
    }
  }

  /** Workers' stderr (upload progress, warnings) reaches the terminal as written. */
  onStdErr(chunk: string | Buffer): void {
    process.stderr.write(chunk);
  }

  onError(error: { message?: string }): void {
    process.stdout.write(`  ${paint(31, 'ERROR')} ${firstLine(error.message)}\n`);
  }

  onEnd(_result: FullResult): void {
    process.stdout.write(`checks: ${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped\n`);
  }
}
