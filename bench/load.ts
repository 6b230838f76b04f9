// The harness engine's large-upload against `curl -T` in the same run on the same Glance, and its memory
// per VU. Usage (a configured target, e.g. the lab):
//   OS_CLIENT_CONFIG_FILE=/var/lib/glance-harness/lab/clouds.yaml \
//     node --import tsx bench/load.ts --os-cloud glance-lab-admin [--size 1GiB] [--vus 4] [--repeat 3]
// Prints MB/s (10^6 B/s) and the verdict on the two goals:
//   throughput: one VU ≥ 0.97 × curl -T (medians of --repeat interleaved runs of each);
//   memory: peak RSS (VmHWM, worker threads included) ≤ 150 MB + 16 MiB × VUs, with N VUs, and
//   the RSS each added VU costs.
// With a k6 installed (K6_BIN, PATH, Go bin) it also runs `--engine k6` once with 1 VU. Neither side
// hashes while sending (curl never does; the scenario uploads with `digest: false`). The verdicts are
// printed, not enforced: exit 1 only when something broke.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ConfigFlags, resolveConfig } from '../src/config/index.js';
import { writeRawImage } from '../src/data/index.js';
import { describeError } from '../src/errors.js';
import { findK6, type K6Binary } from '../src/load/k6.js';
import { parseSize } from '../src/load/units.js';
import type { Summary } from '../src/report/summary.js';
import { newRunId, runImageName, runTags } from '../src/run/naming.js';
import { connect, type Target } from '../src/target.js';

const BIN = new URL('../bin/glance-harness.js', import.meta.url).pathname;
const MB = 1e6;
const MiB = 2 ** 20;
// The engine's goals (docs/load.md, Memory guard).
const RATIO_GOAL = 0.97;
const RSS_FIXED = 150 * MB;
const RSS_PER_VU = 16 * MiB;

async function waitActive(t: Target, id: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    const res = await t.glance.images.show(id);
    if (res.body?.status === 'active') return;
    if (res.status !== 200 || res.body?.status === 'killed')
      throw new Error(`image ${id}: ${res.status} ${res.body?.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`image ${id} never became active`);
}

/** curl -T of the file to a fresh image; returns MB/s over curl's own total time. */
async function curlUpload(
  t: Target,
  file: string,
  size: number,
  dir: string,
  prefix: string,
  runId: string,
): Promise<number> {
  const created = await t.glance.images.create({
    name: runImageName(prefix, runId, 'bench-curl'),
    disk_format: 'raw',
    container_format: 'bare',
    tags: runTags(runId),
  });
  if (created.status !== 201 || !created.body)
    throw new Error(`Expected 201 from POST /v2/images, got ${created.status}`);
  const id = created.body.id;
  try {
    const headerFile = join(dir, 'auth-header');
    // the token stays in a 0600 file so it never shows in the process list
    writeFileSync(headerFile, `X-Auth-Token: ${(await t.tokens.token()) ?? ''}\n`, { mode: 0o600 });
    const r = spawnSync(
      'curl',
      [
        '-sS',
        '-f',
        '-X',
        'PUT',
        '-T',
        file,
        '-H',
        'Content-Type: application/octet-stream',
        '-H',
        `@${headerFile}`,
        '-o',
        '/dev/null',
        '-w',
        '%{time_total}',
        `${t.endpoint}/v2/images/${id}/file`,
      ],
      { encoding: 'utf8' },
    );
    if (r.error) throw new Error(`could not run curl: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`curl -T exited ${r.status}: ${r.stderr.trim()}`);
    await waitActive(t, id);
    return size / MB / Number(r.stdout);
  } finally {
    const del = await t.glance.images.delete(id);
    if (del.status !== 204)
      console.error(`bench: DELETE /v2/images/${id} answered ${del.status}; run cleanup`);
  }
}

interface LoadFigures {
  /** Median MB/s per upload. */
  medMbps: number;
  /** Bytes uploaded per second of the load, all VUs together, in MB/s. */
  aggregateMbps: number;
  peakRss: number;
  /** Thresholds that failed although every upload succeeded (a slow time to active, say). */
  notes: string[];
}

/** Why a load run gave no figures: a refusal (k6 too big for this machine) is not a broken bench. */
class LoadRefused extends Error {}

/**
 * One `glance-harness load large-upload` run with the bench's connection flags and environment; the
 * summary comes from `--json` on stdout. The MB/s threshold is not what is measured here, so its floor is tiny.
 */
function loadRun(
  flags: readonly string[],
  size: string,
  vus: number,
  engine: 'harness' | 'k6',
): Promise<LoadFigures> {
  const args = [
    BIN,
    'load',
    'large-upload',
    '--engine',
    engine,
    '--size',
    size,
    '--vus',
    String(vus),
    '--iterations',
    String(vus),
    '--min-mbps',
    '0.001',
    '--json',
    ...flags,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const lastLine = (): string => err.trim().split('\n').at(-1) ?? '';
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        let s: Summary;
        try {
          s = JSON.parse(out) as Summary;
        } catch {
          // exit 2: refused before the run started (e.g. the memory guard); no summary then
          if (code === 2) throw new LoadRefused(lastLine());
          throw new Error(`load (${engine}, ${vus} VU) exited ${code} without a summary: ${lastLine()}`);
        }
        const m = s.load?.metrics ?? {};
        const failed = m.upload_failed?.rate;
        if (s.outcome !== 'ok' && (s.outcome !== 'failed' || failed !== 0))
          throw new Error(
            `load (${engine}, ${vus} VU) ended ${s.outcome} (exit ${code}): ${s.message ?? lastLine()}`,
          );
        const med = m.upload_mbps?.med;
        const rate = m.upload_bytes?.rate;
        const rss = s.load?.k6?.peakRssBytes ?? s.load?.engine.peakRssBytes;
        if (med === undefined || rate === undefined || rss === undefined)
          throw new Error(`load (${engine}, ${vus} VU): summary lacks upload_mbps, upload_bytes or peak RSS`);
        resolve({
          medMbps: med,
          aggregateMbps: rate / MB,
          peakRss: rss,
          notes: (s.load?.thresholds ?? [])
            .filter((t) => !t.ok)
            .map((t) => `${t.metric} ${t.expression} failed`),
        });
      } catch (e) {
        reject(e);
      }
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function wholeNumber(flag: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${flag} must be a whole number ≥ ${min} (got "${text}")`);
  return n;
}

const f = (n: number): string => n.toFixed(0);
const mib = (b: number): string => `${(b / MiB).toFixed(0)} MiB`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const progress = (line: string): void => {
  console.error(`bench: ${line}`);
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1GiB' },
      vus: { type: 'string', default: '4' },
      repeat: { type: 'string', default: '3' },
      'os-cloud': { type: 'string' },
      endpoint: { type: 'string' },
      'auth-type': { type: 'string' },
    },
  });
  const sizeText = values.size ?? '1GiB';
  const size = parseSize(sizeText);
  const vus = wholeNumber('--vus', values.vus, 1);
  const repeat = wholeNumber('--repeat', values.repeat, 1);
  const flags: ConfigFlags = {
    ...(values['os-cloud'] ? { osCloud: values['os-cloud'] } : {}),
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values['auth-type'] ? { authType: values['auth-type'] } : {}),
  };
  const cliFlags = [
    ...(values['os-cloud'] ? ['--os-cloud', values['os-cloud']] : []),
    ...(values.endpoint ? ['--endpoint', values.endpoint] : []),
    ...(values['auth-type'] ? ['--auth-type', values['auth-type']] : []),
  ];
  const cfg = resolveConfig({ flags, env: process.env, cwd: process.cwd(), homeDir: homedir() });
  if (!cfg.configured)
    throw new Error('no target: give --os-cloud, OS_* variables or --endpoint with --auth-type none');
  const target = await connect(cfg);
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-load-'));
  const runId = newRunId();
  try {
    console.log(
      `target ${target.endpoint}; image ${sizeText}; curl -T and the harness engine (1 VU) interleaved ${repeat}×, ` +
        `then the engine with ${vus} VUs (run ${runId})`,
    );
    const file = join(dir, 'image.raw');
    await writeRawImage(file, size);
    const curl: number[] = [];
    const one: LoadFigures[] = [];
    // ABBA order (curl, engine, engine, curl, …): drift on the target (cache, store) falls on both alike
    for (let i = 0; i < repeat; i += 1) {
      const pair = i % 2 === 0 ? (['curl', 'engine'] as const) : (['engine', 'curl'] as const);
      for (const which of pair) {
        progress(`${which} 1 VU, ${i + 1}/${repeat}`);
        if (which === 'curl')
          curl.push(await curlUpload(target, file, size, dir, cfg.harness.prefix.value, runId));
        else one.push(await loadRun(cliFlags, sizeText, 1, 'harness'));
      }
    }
    progress(vus > 1 ? `engine ${vus} VUs` : 'engine: --vus 1, no N-VU run');
    const many = vus > 1 ? await loadRun(cliFlags, sizeText, vus, 'harness') : undefined;
    let k6: LoadFigures | string = 'no k6 on this machine';
    let bin: K6Binary | undefined;
    try {
      bin = findK6(process.env, homedir());
    } catch (err) {
      // a K6_BIN that points at no working k6 is the operator's mistake: say so instead of skipping
      if (process.env.K6_BIN) throw err;
      const why = describeError(err);
      if (!why.startsWith('k6 is not on PATH')) k6 = why;
    }
    if (bin) {
      progress(`k6 ${bin.version} 1 VU`);
      k6 = await loadRun(cliFlags, sizeText, 1, 'k6').catch((err: unknown) => {
        if (err instanceof LoadRefused) return `refused: ${err.message}`;
        throw err;
      });
    }

    const curlMed = median(curl);
    const oneMed = median(one.map((o) => o.medMbps));
    const rss1 = median(one.map((o) => o.peakRss));
    const ratio = oneMed / curlMed;
    const runs = (xs: readonly number[]): string => xs.map(f).join(', ');
    console.log(`curl -T              ${f(curlMed)} MB/s median (runs: ${runs(curl)})`);
    console.log(
      `engine 1 VU          ${f(oneMed)} MB/s median per upload (runs: ${runs(one.map((o) => o.medMbps))}), ` +
        `peak RSS ${mib(rss1)}`,
    );
    console.log(
      `throughput goal      engine/curl ${ratio.toFixed(3)} ≥ ${RATIO_GOAL}   ${verdict(ratio >= RATIO_GOAL)}`,
    );
    const rssGoal = (n: number, rss: number): string => {
      const budget = RSS_FIXED + RSS_PER_VU * n;
      return `${n} VU peak RSS ${mib(rss)} ≤ 150 MB + 16 MiB × ${n} = ${mib(budget)}   ${verdict(rss <= budget)}`;
    };
    if (many) {
      console.log(
        `engine ${vus} VUs`.padEnd(21) +
          `${f(many.medMbps)} MB/s median per upload, ${f(many.aggregateMbps)} MB/s aggregate ` +
          `(aggregate/curl ${(many.aggregateMbps / curlMed).toFixed(2)}), peak RSS ${mib(many.peakRss)}`,
      );
      const perVu = (many.peakRss - rss1) / (vus - 1);
      console.log(
        `RSS per VU           ${mib(perVu)} per added VU ((${mib(many.peakRss)} − ${mib(rss1)}) / ${vus - 1})`,
      );
    }
    console.log(`memory goal          ${rssGoal(1, rss1)}`);
    if (many) console.log(`memory goal          ${rssGoal(vus, many.peakRss)}`);
    if (typeof k6 === 'string') console.log(`k6: not run (${k6})`);
    else
      console.log(
        `k6 1 VU              ${f(k6.medMbps)} MB/s per upload, engine/k6 ${(oneMed / k6.medMbps).toFixed(2)}, ` +
          `k6 peak RSS ${mib(k6.peakRss)}`,
      );
    const notes = [...one, ...(many ? [many] : []), ...(typeof k6 === 'string' ? [] : [k6])].flatMap(
      (o) => o.notes,
    );
    for (const n of new Set(notes)) console.log(`note: a load run's threshold ${n} (uploads all succeeded)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await target.close();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${describeError(err)}`);
  process.exitCode = 1;
});
