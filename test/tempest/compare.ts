// Per test id outcomes and their comparison between targets. A class that skips or fails in its
// setUpClass reports one row for the class; every test id of that class takes that outcome.
import type { Outcome } from './workspace.js';

/** A run's outcome for one id; a failure carries the exception it ended with (`fail: BadRequest`). */
export type IdOutcome = 'success' | 'skip' | 'absent' | 'fail' | `fail: ${string}`;

const SET_UP_CLASS = /^setUpClass \((.+)\)$/;

/** The class of a test id: `tempest.api...Class.test_x[id-...]` → `tempest.api...Class`. */
export function classOf(id: string): string {
  const bare = id.replace(/\[.*$/, '');
  return bare.slice(0, bare.lastIndexOf('.'));
}

/**
 * Each listed test id's outcome: its own row, else its class's setUpClass row, else absent; a
 * failure with the exception `kinds` names for its row.
 */
export function perId(
  listed: readonly string[],
  rows: ReadonlyMap<string, Outcome>,
  kinds: ReadonlyMap<string, string> = new Map(),
): Map<string, IdOutcome> {
  const of = (row: string, outcome: Outcome): IdOutcome => {
    if (outcome !== 'fail') return outcome;
    const kind = kinds.get(row);
    return kind ? `fail: ${kind}` : 'fail';
  };
  const byClass = new Map<string, IdOutcome>();
  for (const [row, outcome] of rows) {
    const m = SET_UP_CLASS.exec(row);
    if (m?.[1]) byClass.set(m[1], of(row, outcome));
  }
  const out = new Map<string, IdOutcome>();
  for (const id of listed) {
    const own = rows.get(id);
    out.set(id, own ? of(id, own) : (byClass.get(classOf(id)) ?? 'absent'));
  }
  return out;
}

/**
 * The exception each failed row ended with, from `stestr failing`: blocks headed `FAIL: <row>` or
 * `ERROR: <row>`, the last `dotted.Name: message` line that is not Tempest's `Details:`/`tags:`.
 */
export function failureKinds(text: string): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const block of text.split(/^={20,}$/m)) {
    const head = /^(?:FAIL|ERROR): (.+)$/m.exec(block);
    if (!head?.[1]) continue;
    let kind = '';
    for (const m of block.matchAll(/^([A-Za-z_][\w.]*): /gm)) {
      const name = m[1] ?? '';
      if (name !== 'Details' && name !== 'tags') kind = name.slice(name.lastIndexOf('.') + 1);
    }
    if (kind) kinds.set(head[1].trim(), kind);
  }
  return kinds;
}

export interface Difference {
  id: string;
  outcomes: IdOutcome[];
}

/** Ids whose outcome is not the same in every run (runs in the order given). */
export function differences(runs: ReadonlyArray<ReadonlyMap<string, IdOutcome>>): Difference[] {
  const ids = new Set<string>();
  for (const r of runs) for (const id of r.keys()) ids.add(id);
  const diffs: Difference[] = [];
  for (const id of [...ids].sort()) {
    const outcomes = runs.map((r) => r.get(id) ?? 'absent');
    if (new Set(outcomes).size > 1) diffs.push({ id, outcomes });
  }
  return diffs;
}

/** Counts per outcome, in a fixed order. */
export function tally(
  run: ReadonlyMap<string, IdOutcome>,
): Record<'success' | 'fail' | 'skip' | 'absent', number> {
  const t = { success: 0, fail: 0, skip: 0, absent: 0 };
  for (const o of run.values()) t[o.startsWith('fail') ? 'fail' : (o as 'success' | 'skip' | 'absent')]++;
  return t;
}

/** A short test name for tables: `v2.test_images.ImportImagesTest.test_x`. */
export function shortId(id: string): string {
  return id.replace(/^tempest\.api\.image\./, '').replace(/\[.*$/, '');
}

/**
 * A text table: one row per id that is not a success everywhere, one column per run, then the
 * counts; `names` label the columns.
 */
export function table(names: readonly string[], runs: ReadonlyArray<ReadonlyMap<string, IdOutcome>>): string {
  const ids = new Set<string>();
  for (const r of runs) for (const id of r.keys()) ids.add(id);
  const rows = [...ids]
    .sort()
    .filter((id) => runs.some((r) => (r.get(id) ?? 'absent') !== 'success'))
    .map((id) => [shortId(id), ...runs.map((r) => r.get(id) ?? 'absent')]);
  const counts = runs.map((r) => {
    const t = tally(r);
    return `${t.success} pass / ${t.fail} fail / ${t.skip} skip${t.absent ? ` / ${t.absent} absent` : ''}`;
  });
  const all = [['test id (not passing everywhere)', ...names], ...rows, ['total', ...counts]];
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length))) ?? [];
  return all
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
