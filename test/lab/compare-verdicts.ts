// Same suites, same verdicts: compares two run summaries (the embedded reference's and the real
// lab's) check by check. Prints each difference and exits 1 when there is any; 2 on unreadable input.
//   node --import tsx test/lab/compare-verdicts.ts <reference summary.json> <real summary.json>
import { readFileSync } from 'node:fs';
import type { CheckResult, Summary } from '../../src/report/summary.js';

function load(path: string): Summary {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as Summary;
    if (!Array.isArray(s.checks)) throw new Error('no "checks" array');
    return s;
  } catch (err) {
    process.stderr.write(`compare-verdicts: cannot read ${path}: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

const [refPath, realPath] = process.argv.slice(2);
if (!refPath || !realPath) {
  process.stderr.write('usage: compare-verdicts <reference summary.json> <real summary.json>\n');
  process.exit(2);
}
const reference = load(refPath);
const real = load(realPath);
const byId = (s: Summary): Map<string, CheckResult> => new Map(s.checks.map((c) => [c.id, c]));
const a = byId(reference);
const b = byId(real);
const lines: string[] = [];
for (const id of [...new Set([...a.keys(), ...b.keys()])].sort()) {
  const x = a.get(id);
  const y = b.get(id);
  if (x?.status === y?.status) continue;
  const why = (c: CheckResult | undefined): string =>
    !c
      ? 'absent'
      : `${c.status}${c.error ? ` (${c.error.split('\n')[0]})` : c.skipReason ? ` (${c.skipReason})` : ''}`;
  lines.push(`  ${id}: reference ${why(x)} / real ${why(y)}`);
}
process.stdout.write(
  `verdicts: ${a.size} checks on the reference, ${b.size} on the real lab, ${lines.length} difference(s)\n`,
);
if (lines.length > 0) {
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(1);
}
