// k6 large-upload throughput against curl -T in the same run on the same kind of image, and k6's
// memory per VU. Usage (a configured target, e.g. the lab):
//   OS_CLIENT_CONFIG_FILE=/var/lib/glance-harness/lab/clouds.yaml \
//     node --import tsx bench/load.ts --os-cloud glance-lab-admin [--size 1GiB] [--vus 4]
// Prints MB/s (10^6 B/s): curl -T once, k6 with 1 VU and with N VUs (per upload and aggregate), the
// ratios, and k6's peak RSS (VmHWM) for 1 and N VUs with the difference per added VU.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ConfigFlags, resolveConfig } from '../src/config/index.js';
import { writeRawImage } from '../src/data/index.js';
import { describeError } from '../src/errors.js';
import { parseSize } from '../src/load/command.js';
import type { Summary } from '../src/report/summary.js';
import { newRunId, runImageName, runTags } from '../src/run/naming.js';
import { connect, type Target } from '../src/target.js';

const BIN = new URL('../bin/glance-harness.js', import.meta.url).pathname;
const MB = 1e6;

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
  runId: string,
): Promise<number> {
  const created = await t.glance.images.create({
    name: runImageName('gh', runId, 'bench-curl'),
    disk_format: 'raw',
    container_format: 'bare',
    tags: runTags(runId),
  });
  if (created.status !== 201 || !created.body) throw new Error(`POST /v2/images answered ${created.status}`);
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
    if (r.status !== 0) throw new Error(`curl exited ${r.status}: ${r.stderr}`);
    await waitActive(t, id);
    return size / MB / Number(r.stdout);
  } finally {
    await t.glance.images.delete(id);
  }
}

interface K6Figures {
  medMbps: number;
  aggregateMbps: number;
  peakRss: number;
  failed: number;
}

/** One `glance-harness load large-upload` run; thresholds are not the point here, so the floor is tiny. */
function k6Upload(flags: string[], size: string, vus: number): Promise<K6Figures> {
  const args = [
    BIN,
    'load',
    'large-upload',
    '--size',
    size,
    '--vus',
    String(vus),
    '--iterations',
    String(vus * 2),
  ];
  const child = spawn(process.execPath, [...args, '--min-mbps', '0.001', '--json', ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      try {
        const s = JSON.parse(out) as Summary;
        const m = s.load?.metrics ?? {};
        if (code !== 0) throw new Error(`load exited ${code}: ${s.message ?? ''}`);
        resolve({
          medMbps: m.upload_mbps?.med ?? Number.NaN,
          aggregateMbps: (m.upload_bytes?.rate ?? Number.NaN) / MB,
          peakRss: s.load?.k6.peakRssBytes ?? Number.NaN,
          failed: m.upload_failed?.rate ?? Number.NaN,
        });
      } catch (err) {
        reject(err);
      }
    }),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1GiB' },
      vus: { type: 'string', default: '4' },
      'os-cloud': { type: 'string' },
      endpoint: { type: 'string' },
      'auth-type': { type: 'string' },
    },
  });
  const sizeText = values.size ?? '1GiB';
  const size = parseSize(sizeText);
  const vus = Number(values.vus ?? 4);
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
      `target ${target.endpoint}; image ${sizeText}; k6 large-upload with 1 and ${vus} VUs, 2 uploads per VU`,
    );
    const file = join(dir, 'image.raw');
    await writeRawImage(file, size);
    // curl before and after the k6 runs, so drift on the target (cache, store) shows instead of skewing the ratio
    const curlBefore = await curlUpload(target, file, size, dir, runId);
    const one = await k6Upload(cliFlags, sizeText, 1);
    const many = await k6Upload(cliFlags, sizeText, vus);
    const curlAfter = await curlUpload(target, file, size, dir, runId);
    const curl = (curlBefore + curlAfter) / 2;
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
    const f = (n: number): string => n.toFixed(0);
    console.log(
      `curl -T              ${f(curl)} MB/s (mean of ${f(curlBefore)} before and ${f(curlAfter)} after k6)`,
    );
    console.log(
      `k6 1 VU              ${f(one.medMbps)} MB/s per upload (median)   ratio to curl ${(one.medMbps / curl).toFixed(2)}`,
    );
    console.log(
      `k6 ${vus} VUs             ${f(many.medMbps)} MB/s per upload (median), ${f(many.aggregateMbps)} MB/s aggregate   ` +
        `aggregate ratio to curl ${(many.aggregateMbps / curl).toFixed(2)}`,
    );
    console.log(`k6 peak RSS          1 VU ${mib(one.peakRss)}, ${vus} VUs ${mib(many.peakRss)}`);
    console.log(
      `k6 peak RSS per VU   ${mib((many.peakRss - one.peakRss) / (vus - 1))} per added VU ` +
        `(${((many.peakRss - one.peakRss) / (vus - 1) / size).toFixed(2)} × the image size)`,
    );
    console.log(`upload failure rate  1 VU ${one.failed}, ${vus} VUs ${many.failed}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await target.close();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${describeError(err)}`);
  process.exitCode = 1;
});
