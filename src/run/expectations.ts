/**
 * Expected failures (`run --expect-failures FILE`): a YAML list of checks known to fail on some
 * targets, each with its reason and upstream bug. The file is read and validated once in the CLI
 * process before anything starts; after the runner's results come back, `applyExpectations` is the
 * one place that decides a listed check's final status. The workers never see the file: what a check
 * did is recorded as it happened (results.ndjson), and what the operator expected is laid over it here.
 */

import { readFileSync } from 'node:fs';
import type { Node as YamlNode } from 'yaml';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError, quoteValue } from '../errors.js';
import type { CheckExpectation, CheckResult, CheckStatus } from '../report/results.js';
import type { ExpectationsSection, TargetInfo } from '../report/summary.js';
import { PINNED_FAMILIES } from '../validate.js';

/** The expectations a run was given: the file, its entries in order, and --strict. */
export interface Expectations {
  file: string;
  entries: readonly CheckExpectation[];
  strict: boolean;
}

/** What the run knows about its target when the results come back. */
export type ExpectationTarget = Pick<TargetInfo, 'kind' | 'endpoint' | 'glanceVersion' | 'releaseFamily'>;

const FIELDS = ['id', 'target', 'release', 'reason', 'bug'] as const;
type Field = (typeof FIELDS)[number];

const TARGET_KINDS: ReadonlySet<string> = new Set<TargetInfo['kind']>(['reference', 'configured']);
const ID_PATTERN = /^[A-Za-z0-9._*-]+$/;
const RELEASE_PATTERN = /^v[0-9*][0-9.*]*$/;
const FAMILIES: ReadonlySet<string> = new Set(PINNED_FAMILIES);
const URL_PATTERN = /^(?:https?:\/\/|\*)/i;

function shapeOf(node: YamlNode | null): string {
  if (node === null) return 'nothing';
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) {
    if (node.value === null) return 'nothing';
    return typeof node.value === 'string' ? quoteValue(node.value) : `a ${typeof node.value}`;
  }
  return 'something else';
}

/** Reads the YAML list of an expectations file; every problem names the file, the line, the entry and the field. */
export function parseExpectations(text: string, file: string): CheckExpectation[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const at = (node: YamlNode | null | undefined): string => {
    const offset = node?.range?.[0];
    return offset === undefined ? '' : ` line ${lines.linePos(offset).line}`;
  };
  const fail = (node: YamlNode | null | undefined, message: string): ConfigError =>
    new ConfigError(`${file}${at(node)}: ${message}`);
  const first = doc.errors[0];
  if (first !== undefined) {
    const reason = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? first.code;
    const pos = first.linePos?.[0];
    throw new ConfigError(
      `Cannot parse ${file}${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${reason}`,
    );
  }
  const root = doc.contents as YamlNode | null;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isSeq(root)) {
    throw fail(
      root,
      `must be a list of entries {id, reason, target?, release?, bug?} (got ${shapeOf(root)})`,
    );
  }
  return root.items.map((raw, index) => {
    const item = isAlias(raw) ? ((raw.resolve(doc) as YamlNode | undefined) ?? null) : (raw as YamlNode);
    if (!isMap(item)) {
      throw fail(
        item ?? root,
        `[${index}] must be a mapping {id, reason, target?, release?, bug?} (got ${shapeOf(item)})`,
      );
    }
    const values = new Map<Field, { value: string; node: YamlNode }>();
    for (const pair of item.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      if (!(FIELDS as readonly string[]).includes(key)) {
        const shown = /^[A-Za-z0-9_-]{1,40}$/.test(key) ? key : quoteValue(key, 40);
        throw fail(
          keyNode ?? item,
          `[${index}].${shown} is not a field of an entry (known: ${FIELDS.join(', ')})`,
        );
      }
      const node = pair.value as YamlNode | null;
      if (isAlias(node) && !node.resolve(doc)) {
        throw fail(
          node,
          `[${index}].${key}: ${quoteValue(`*${node.source}`)} reads as a YAML alias; quote a value that starts with * ('*${node.source.replace(/[^A-Za-z0-9._*-]/g, '')}')`,
        );
      }
      const value = isAlias(node) ? (node.resolve(doc) as YamlNode | undefined) : node;
      if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '') {
        throw fail(
          node ?? keyNode,
          `[${index}].${key} must be a non-empty string (got ${shapeOf(value ?? null)})`,
        );
      }
      values.set(key as Field, { value: value.value.trim(), node: value });
    }
    const get = (field: Field): string | undefined => values.get(field)?.value;
    const nodeOf = (field: Field): YamlNode => values.get(field)?.node ?? item;
    const id = get('id');
    if (id === undefined) throw fail(item, `[${index}].id is required: the check id, or a glob with *`);
    if (!ID_PATTERN.test(id) || !/[A-Za-z0-9*]/.test(id)) {
      throw fail(
        nodeOf('id'),
        `[${index}].id must be a check id or a glob where * stands for any characters (letters, digits, . _ - *; got ${quoteValue(id)})`,
      );
    }
    const reason = get('reason');
    if (reason === undefined)
      throw fail(item, `[${index}].reason is required: say why ${id} is expected to fail`);
    const target = get('target');
    if (target !== undefined && !TARGET_KINDS.has(target) && !URL_PATTERN.test(target)) {
      throw fail(
        nodeOf('target'),
        `[${index}].target must be the target kind (reference, configured) or the endpoint URL, * standing for any characters (got ${quoteValue(target)})`,
      );
    }
    const release = get('release');
    if (release !== undefined && !RELEASE_PATTERN.test(release) && !FAMILIES.has(release)) {
      throw fail(
        nodeOf('release'),
        `[${index}].release must be a release family the run reads (${[...FAMILIES].join(', ')}) or an Image API version such as v2.15 or v2.1* (got ${quoteValue(release)})`,
      );
    }
    const bug = get('bug');
    if (bug !== undefined && !isHttpUrl(bug)) {
      throw fail(
        nodeOf('bug'),
        `[${index}].bug must be the http(s) URL of the upstream bug (got ${quoteValue(bug)})`,
      );
    }
    return {
      index,
      id,
      ...(target !== undefined ? { target } : {}),
      ...(release !== undefined ? { release } : {}),
      reason,
      ...(bug !== undefined ? { bug } : {}),
    };
  });
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Reads and validates `--expect-failures FILE`; a ConfigError (exit 2) names the file, line, entry and field. */
export function loadExpectations(file: string, strict: boolean): Expectations {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`--expect-failures: cannot read ${file}: ${code}`);
  }
  return { file, entries: parseExpectations(text, file), strict };
}

/** True when `value` is `pattern` whole, `*` standing for any run of characters (dots included). */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's').test(value);
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

/** True when the entry's target and release (when given) match what the run knows about its target. */
export function entryApplies(entry: CheckExpectation, target: ExpectationTarget): boolean {
  if (entry.target !== undefined) {
    const ok = TARGET_KINDS.has(entry.target)
      ? entry.target === target.kind
      : target.endpoint !== undefined && globMatch(trimSlash(entry.target), trimSlash(target.endpoint), true);
    if (!ok) return false;
  }
  if (entry.release !== undefined) {
    if (FAMILIES.has(entry.release)) return entry.release === target.releaseFamily;
    const current = target.glanceVersion;
    if (!current || current === 'unknown' || !globMatch(entry.release, current)) return false;
  }
  return true;
}

/**
 * A check's final status: a listed check that failed is expected-fail, one that passed is
 * unexpected-pass; skipped and blocked stay what they were, and an unlisted check is untouched.
 */
export function finalStatus(status: CheckStatus, entry: CheckExpectation | undefined): CheckStatus {
  if (!entry) return status;
  if (status === 'failed') return 'expected-fail';
  if (status === 'passed') return 'unexpected-pass';
  return status;
}

/**
 * Lays the expectations over the runner's results: each check takes the first entry (in file order)
 * that applies to this target and whose id matches it. Cause, error and evidence stay on the check as
 * they were; the entry is added to a check whose status it changed. Returns the checks and the
 * summary's `expectations` section (stale: entries for this target that match no check of the selection).
 */
export function applyExpectations(
  checks: readonly CheckResult[],
  expectations: Expectations,
  target: ExpectationTarget,
): { checks: CheckResult[]; section: ExpectationsSection } {
  const inScope = expectations.entries.filter((e) => entryApplies(e, target));
  const out = checks.map((c) => {
    const entry = inScope.find((e) => globMatch(e.id, c.id));
    const status = finalStatus(c.status, entry);
    return status === c.status || !entry ? c : { ...c, status, expectation: entry };
  });
  const stale = inScope.filter((e) => !checks.some((c) => globMatch(e.id, c.id)));
  return {
    checks: out,
    section: {
      file: expectations.file,
      strict: expectations.strict,
      entries: expectations.entries.length,
      inScope: inScope.length,
      stale,
    },
  };
}

/**
 * Why the run fails on its unexpected passes: only with --strict (without it they are warnings).
 * Undefined when they do not fail it.
 */
export function strictFailure(
  checks: readonly CheckResult[],
  expectations: Expectations,
): string | undefined {
  if (!expectations.strict) return undefined;
  const ids = checks.filter((c) => c.status === 'unexpected-pass').map((c) => c.id);
  if (ids.length === 0) return undefined;
  const shown = ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
  const n = ids.length === 1 ? '1 check' : `${ids.length} checks`;
  return `${n} listed as expected to fail in ${expectations.file} passed (--strict): ${shown}`;
}
