// The check selection (--suite, --grep, --read-only) as Playwright's filter, built in one place.
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { Selection } from './context.js';

/** The tag every check that creates nothing on the target carries. */
export const READ_ONLY_TAG = '@read-only';

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The --grep value as a regular expression, or a usage error (exit 2) saying what is wrong with it. */
export function grepPattern(grep: string): RegExp {
  try {
    return new RegExp(grep);
  } catch (err) {
    throw new UsageError(`--grep: "${grep}" is not a valid regular expression (${(err as Error).message})`);
  }
}

/**
 * Playwright arguments for a selection: the suites' folders (anchored at suites/, so a checkout under
 * /x/db/ does not match the db suite) and one --grep that requires every condition at once: the
 * user's pattern and, with --read-only, the read-only tag.
 */
export function playwrightFilter(selection: Selection, suitesDir: string): string[] {
  const args = selection.suites.map((s) => escapeRegex(`${join(suitesDir, s)}/`));
  const conditions: string[] = [];
  if (selection.grep !== undefined) {
    grepPattern(selection.grep);
    conditions.push(selection.grep);
  }
  if (selection.readOnly) conditions.push(escapeRegex(READ_ONLY_TAG));
  if (conditions.length === 1) args.push('--grep', conditions[0]!);
  else if (conditions.length > 1)
    args.push('--grep', conditions.map((c) => `(?=[\\s\\S]*?(?:${c}))`).join(''));
  return args;
}
