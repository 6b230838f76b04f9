// The newest lab's expected non-passing Tempest ids (newest-outcomes.yaml): a newer release answers
// some tests differently from Zed, and each such id is written down with its outcome and the reason.
// A run matches the file when exactly those ids do not pass, each with its listed outcome.
import { parse } from 'yaml';
import type { IdOutcome } from './compare.js';

export interface Expected {
  outcome: IdOutcome;
  reason: string;
}

/** newest-outcomes.yaml: a map of test id → { outcome, reason }; every entry needs both. */
export function parseOutcomes(text: string): Map<string, Expected> {
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('outcomes file: not a map of test ids');
  const out = new Map<string, Expected>();
  for (const [id, v] of Object.entries(doc)) {
    const e = (v ?? {}) as { outcome?: unknown; reason?: unknown };
    if (typeof e.outcome !== 'string' || e.outcome === 'success')
      throw new Error(`outcomes file: ${id} needs a non-success outcome`);
    if (typeof e.reason !== 'string' || !e.reason.trim())
      throw new Error(`outcomes file: ${id} needs a reason`);
    out.set(id, { outcome: e.outcome as IdOutcome, reason: e.reason.trim() });
  }
  return out;
}

export interface Mismatch {
  id: string;
  /** What the file says; undefined when the id is not listed. */
  expected?: IdOutcome;
  /** What the run gave. */
  got: IdOutcome;
}

/**
 * Where a run and the file disagree: ids that do not pass but are not listed, listed ids that now
 * pass (or were not run), and listed ids with another outcome. Empty when they agree.
 */
export function mismatches(
  run: ReadonlyMap<string, IdOutcome>,
  expected: ReadonlyMap<string, Expected>,
): Mismatch[] {
  const ids = new Set([...run.keys(), ...expected.keys()]);
  const out: Mismatch[] = [];
  for (const id of [...ids].sort()) {
    const got = run.get(id) ?? 'absent';
    const want = expected.get(id)?.outcome;
    if (want === undefined ? got !== 'success' : got !== want) out.push({ id, expected: want, got });
  }
  return out;
}

/** One line per mismatch, saying which way it went. */
export function describeMismatch(m: Mismatch, short: (id: string) => string): string {
  if (m.expected === undefined) return `${short(m.id)}: ${m.got}, not listed`;
  if (m.got === 'success') return `${short(m.id)}: now passes, listed as ${m.expected}`;
  return `${short(m.id)}: ${m.got}, listed as ${m.expected}`;
}
