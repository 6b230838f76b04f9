// Check × target: one row per check id, one column per run summary, then the totals. Fails when a
// target named with `!` (a real Glance that must give no false alarm) has a failed or blocked check,
// or a skip without a reason.
//   node --import tsx test/lab/verdict-table.ts reference=ref.json '!zed lab=zed.json' '!newest=new.json'
// Exit: 0 clean, 1 a strict target failed a check or skipped one without a reason, 2 unreadable input.
import { readFileSync } from 'node:fs';
import type { CheckResult, Summary } from '../../src/report/summary.js';

export interface Column {
  name: string;
  strict: boolean;
  checks: Map<string, CheckResult>;
}

/** A skip says why: a reason that is more than the bare word. */
export function skipExplained(c: CheckResult): boolean {
  const why = (c.skipReason ?? '').trim();
  return why !== '' && !/^skipped\.?$/i.test(why);
}

/** The lines that make a strict column fail. */
export function problems(col: Column): string[] {
  const out: string[] = [];
  for (const [id, c] of col.checks) {
    if (c.status === 'failed' || c.status === 'blocked')
      out.push(`${col.name}: ${id} ${c.status}${c.error ? ` (${c.error.split('\n')[0]})` : ''}`);
    else if (c.status === 'unexpected-pass')
      out.push(`${col.name}: ${id} passed although listed as a known failure: remove its entry`);
    else if (c.status === 'skipped' && !skipExplained(c))
      out.push(`${col.name}: ${id} skipped without a reason`);
  }
  return out;
}

export function render(cols: readonly Column[]): string {
  const ids = [...new Set(cols.flatMap((c) => [...c.checks.keys()]))].sort();
  const rows = ids.map((id) => [id, ...cols.map((c) => c.checks.get(id)?.status ?? '-')]);
  const totals = cols.map((c) => {
    const n = (s: string) => [...c.checks.values()].filter((x) => x.status === s).length;
    const xf = n('expected-fail');
    return `${n('passed')}p ${n('failed')}f ${n('skipped')}s ${n('blocked')}b${xf ? ` ${xf}xf` : ''}`;
  });
  const all = [['check', ...cols.map((c) => c.name)], ...rows, ['total', ...totals]];
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length))) ?? [];
  return all
    .map((r) =>
      r
        .map((x, i) => x.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function load(arg: string): Column {
  const strict = arg.startsWith('!');
  const spec = strict ? arg.slice(1) : arg;
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq);
  const path = spec.slice(eq + 1);
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as Summary;
    if (!Array.isArray(s.checks)) throw new Error('no "checks" array');
    return { name, strict, checks: new Map(s.checks.map((c) => [c.id, c])) };
  } catch (err) {
    process.stderr.write(`verdict-table: cannot read ${path}: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

if (process.argv[1]?.endsWith('verdict-table.ts')) {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.some((a) => !a.includes('='))) {
    process.stderr.write('usage: verdict-table [!]name=summary.json …\n');
    process.exit(2);
  }
  const cols = args.map(load);
  process.stdout.write(`${render(cols)}\n`);
  const bad = cols.filter((c) => c.strict).flatMap(problems);
  for (const line of bad) process.stdout.write(`  ${line}\n`);
  process.exit(bad.length > 0 ? 1 : 0);
}
