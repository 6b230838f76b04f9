// Streaming throughput and memory of the harness's upload and download+verify paths, against curl in
// the same run on the same image. Usage:
//   node --import tsx bench/stream.ts [--size 2GiB] [--endpoint URL --auth-type none | OS_* / --os-cloud]
// Prints MB/s (10^6 B/s) for each path, the ratio to curl, and the harness's peak RSS while streaming.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ConfigFlags, resolveConfig } from '../src/config/index.js';
import { writeRawImage } from '../src/data/index.js';
import { describeError } from '../src/errors.js';
import type { Image } from '../src/glance/index.js';
import { parseSize } from '../src/load/units.js';
import { newRunId, runImageName, runTags } from '../src/run/naming.js';
import { connect, type Target } from '../src/target.js';

/** Samples this process's RSS while a promise runs; returns its result and the peak. */
async function withPeakRss<T>(
  work: () => Promise<T>,
): Promise<{ value: T; peakRss: number; seconds: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const t0 = performance.now();
  try {
    const value = await work();
    return {
      value,
      peakRss: Math.max(peak, process.memoryUsage.rss()),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Runs a baseline command without blocking the event loop: a blocked loop cannot retire the client's
 * idle keep-alive sockets, and the next request would then go out on one the server already closed.
 */
async function timeCommand(cmd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('close', res);
  });
  if (code !== 0) throw new Error(`${cmd} exited ${code}`);
  return (performance.now() - t0) / 1000;
}

const mbps = (bytes: number, s: number): string => (bytes / s / 1e6).toFixed(0);
const mib = (b: number): string => (b / 2 ** 20).toFixed(0);

async function createImage(t: Target, runId: string, purpose: string): Promise<Image> {
  const res = await t.glance.images.create({
    name: runImageName('gh', runId, purpose),
    disk_format: 'raw',
    container_format: 'bare',
    tags: runTags(runId),
  });
  if (res.status !== 201 || !res.body) throw new Error(`POST /v2/images answered ${res.status}`);
  return res.body;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '2GiB' },
      endpoint: { type: 'string' },
      'auth-type': { type: 'string' },
      'os-cloud': { type: 'string' },
    },
  });
  const size = parseSize(values.size ?? '2GiB');
  const flags: ConfigFlags = {
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values['auth-type'] ? { authType: values['auth-type'] } : {}),
    ...(values['os-cloud'] ? { osCloud: values['os-cloud'] } : {}),
  };
  const cfg = resolveConfig({ flags, env: process.env, cwd: process.cwd(), homeDir: homedir() });
  if (!cfg.configured)
    throw new Error('no target: give --endpoint URL --auth-type none, --os-cloud, or OS_* variables');
  const target = await connect(cfg);
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-'));
  const runId = newRunId();
  const created: string[] = [];
  try {
    console.log(`target ${target.endpoint}; image ${mib(size)} MiB; run ${runId}`);
    const file = join(dir, 'image.raw');
    const gen = await writeRawImage(file, size);
    const token = (await target.tokens.token()) ?? '';
    // curl reads the token from a 0600 file, so it never shows in the process list.
    const headerFile = join(dir, 'auth-header');
    writeFileSync(headerFile, token ? `X-Auth-Token: ${token}\n` : '\n', { mode: 0o600 });
    const authHeader = ['-H', `@${headerFile}`];
    const baseRss = process.memoryUsage.rss();

    const a = await createImage(target, runId, 'bench-harness');
    created.push(a.id);
    const up = await withPeakRss(() => target.glance.data.upload(a.id, file));
    if (up.value.status !== 204) throw new Error(`harness upload answered ${up.value.status}`);

    const b = await createImage(target, runId, 'bench-curl');
    created.push(b.id);
    const curlUp = await timeCommand('curl', [
      '-sS',
      '-f',
      '-X',
      'PUT',
      '-T',
      file,
      '-H',
      'Content-Type: application/octet-stream',
      ...authHeader,
      `${target.endpoint}/v2/images/${b.id}/file`,
    ]);

    const url = `${target.endpoint}/v2/images/${a.id}/file`;
    const down = await withPeakRss(() => target.glance.data.download(a.id));
    const d = down.value.received;
    if (down.value.status !== 200) throw new Error(`harness download answered ${down.value.status}`);
    const verified = d.md5 === gen.md5 && d.sha512 === gen.sha512 && d.size === size;

    const curlDown = await timeCommand('curl', ['-sS', '-f', '-o', '/dev/null', ...authHeader, url]);
    const curlVerify = await timeCommand('bash', [
      '-c',
      `set -o pipefail; curl -sS -f -H @${headerFile} "${url}" | tee >(md5sum > ${dir}/md5) | sha512sum > ${dir}/sha512`,
    ]);
    const curlMd5 = execFileSync('cut', ['-d', ' ', '-f1', `${dir}/md5`], { encoding: 'utf8' }).trim();

    console.log('');
    console.log('path                                    MB/s   vs curl   peak RSS (MiB, +over idle)');
    const row = (name: string, s: number, base: number, rss?: number): void => {
      const ratio = (base / s).toFixed(2);
      const mem = rss === undefined ? '' : `${mib(rss)} (+${mib(rss - baseRss)})`;
      console.log(`${name.padEnd(38)} ${mbps(size, s).padStart(5)}   ${ratio.padStart(6)}x   ${mem}`);
    };
    row('upload: harness (md5+sha512 on the fly)', up.seconds, curlUp, up.peakRss);
    row('upload: curl -T', curlUp, curlUp);
    row('download+verify: harness', down.seconds, curlVerify, down.peakRss);
    row('download+verify: curl|tee md5sum,sha512sum', curlVerify, curlVerify);
    row('download only: curl -o /dev/null', curlDown, curlDown);
    console.log('');
    console.log(`harness download digests match the generated image: ${verified ? 'yes' : 'NO'}`);
    console.log(
      `curl md5 matches: ${curlMd5 === gen.md5 ? 'yes' : 'NO'}; Glance checksum matches: ${
        (await target.glance.images.show(a.id)).body?.checksum === gen.md5 ? 'yes' : 'NO'
      }`,
    );
    if (!verified) process.exitCode = 1;
  } finally {
    for (const imageId of created) await target.glance.images.delete(imageId).catch(() => undefined);
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${describeError(err)}`);
  process.exitCode = 1;
});
