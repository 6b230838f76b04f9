// How long `glance-harness run` takes against a broken deployment compared with a healthy one: the
// embedded reference, healthy and with each fault switched on, the same command each time. Usage:
//   node --import tsx bench/failing-run.ts [--faults db-not-synced,swift-unmounted] [--repeat 2]
//     [--run-args "--latency-budget 2000"]
// Prints, per fault: wall time, ratio to the healthy run measured in the same session, exit code, the
// recap's causes (id and count), and the totals. The goal is ratio ≤ 1.5.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FAULTS, type FaultName, startReference } from '../src/reference/index.js';
import { groupByCause } from '../src/report/results.js';
import type { Summary } from '../src/report/summary.js';

const BIN = fileURLToPath(new URL('../bin/glance-harness.js', import.meta.url));

const { values } = parseArgs({
  options: {
    faults: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    'run-args': { type: 'string', default: '' },
  },
});
const faults = (values.faults?.split(',') ?? FAULTS.map((f) => f.name)) as FaultName[];
const repeat = Math.max(1, Number(values.repeat));
const runArgs = (values['run-args'] ?? '').split(/\s+/).filter(Boolean);

interface Measure {
  ms: number;
  code: number | null;
  summary?: Summary;
}

async function runOnce(fault: FaultName | null): Promise<Measure> {
  const ref = await startReference(fault ? { fault } : {});
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-'));
  const admin = ref.users.find((u) => u.role === 'admin')!;
  const demo = ref.users.find((u) => u.role === 'member')!;
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_'))),
    HOME: dir,
    GLANCE_HARNESS_REPORTS_DIR: join(dir, 'reports'),
    OS_AUTH_URL: ref.keystoneUrl,
    OS_USERNAME: admin.name,
    OS_PASSWORD: admin.password,
    OS_PROJECT_NAME: admin.project,
    OS_USER_DOMAIN_NAME: admin.domain,
    OS_PROJECT_DOMAIN_NAME: admin.domain,
    OS_REGION_NAME: 'RegionOne',
    OS_ALT_USERNAME: demo.name,
    OS_ALT_PASSWORD: demo.password,
    OS_ALT_PROJECT_NAME: demo.project,
    OS_ALT_USER_DOMAIN_NAME: demo.domain,
    OS_ALT_PROJECT_DOMAIN_NAME: demo.domain,
  };
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', ...runArgs], { cwd: dir, env, stdio: 'ignore' });
    child.on('close', (c) => resolve(c));
  });
  const ms = performance.now() - started;
  await ref.close();
  let summary: Summary | undefined;
  try {
    summary = JSON.parse(readFileSync(join(dir, 'reports', 'latest', 'summary.json'), 'utf8')) as Summary;
  } catch {
    summary = undefined;
  }
  rmSync(dir, { recursive: true, force: true });
  return { ms, code, ...(summary ? { summary } : {}) };
}

async function best(fault: FaultName | null): Promise<Measure> {
  let pick: Measure | undefined;
  for (let i = 0; i < repeat; i += 1) {
    const m = await runOnce(fault);
    if (!pick || m.ms < pick.ms) pick = m;
  }
  return pick!;
}

function summarize(m: Measure): string {
  const s = m.summary;
  if (!s) return 'no summary';
  const t = s.totals;
  const causes = groupByCause(s.checks)
    .map((g) => `${g.cause.id} ×${g.failed.length + g.blocked.length}`)
    .join(', ');
  const early = s.cause ? `${s.outcome}: ${s.cause.id}` : s.outcome;
  return `${t.passed}p ${t.failed}f ${t.blocked}b ${t.skipped}s | ${causes || early}`;
}

const healthy = await best(null);
const rows: string[][] = [
  ['healthy', (healthy.ms / 1000).toFixed(1), '1.00', String(healthy.code), summarize(healthy)],
];
for (const f of faults) {
  const m = await best(f);
  rows.push([f, (m.ms / 1000).toFixed(1), (m.ms / healthy.ms).toFixed(2), String(m.code), summarize(m)]);
}
const head = ['target', 'wall s', 'ratio', 'exit', 'passed/failed/blocked/skipped | causes'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(head));
for (const r of rows) console.log(line(r));
