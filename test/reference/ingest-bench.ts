/**
 * Ingest benchmark for the reference Glance: uploads 1 GiB generated in memory (a Node stream,
 * no file) through undici and prints MB/s, next to what this machine can do at best in the same
 * run: a bare node:http server that only discards the body (network baseline) and md5 + sha512
 * over the same bytes on one thread (hashing baseline). The reference runs both in this process
 * and in a child process (client and server then no longer share a thread).
 *
 * Run: node --import tsx test/reference/ingest-bench.ts [GiB]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startReference } from '../../src/reference/index.js';

const GIB = 1024 ** 3;
const total = Math.round(Number(process.argv[2] ?? '1') * GIB);
const block = Buffer.alloc(1024 * 1024);
for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;

function source(bytes: number): Readable {
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, block.length);
      left -= n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

function hashBaseline(): number {
  const md5 = createHash('md5');
  const sha = createHash('sha512');
  const t0 = performance.now();
  for (let done = 0; done < total; done += block.length) {
    md5.update(block);
    sha.update(block);
  }
  md5.digest();
  sha.digest();
  return performance.now() - t0;
}

async function networkBaseline(): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const t0 = performance.now();
  const res = await request(`http://127.0.0.1:${port}/`, {
    method: 'PUT',
    body: source(total),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) },
  });
  await res.body.dump();
  const ms = performance.now() - t0;
  await new Promise<void>((r) => server.close(() => r()));
  return ms;
}

/** Creates an image, uploads `total` bytes, checks the image went active with that size; returns ms. */
async function uploadTo(base: string): Promise<number> {
  const created = await request(`${base}/v2/images`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-ingest', disk_format: 'raw', container_format: 'bare' }),
  });
  const { id } = (await created.body.json()) as { id: string };
  const t0 = performance.now();
  const res = await request(`${base}/v2/images/${id}/file`, {
    method: 'PUT',
    body: source(total),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) },
  });
  await res.body.dump();
  const ms = performance.now() - t0;
  if (res.statusCode !== 204) throw new Error(`upload answered ${res.statusCode}, expected 204`);
  const shown = await request(`${base}/v2/images/${id}`);
  const img = (await shown.body.json()) as { size: number; status: string };
  if (img.size !== total || img.status !== 'active')
    throw new Error(`image ended ${img.status} with size ${img.size}`);
  await (await request(`${base}/v2/images/${id}`, { method: 'DELETE' })).body.dump();
  return ms;
}

async function inProcess(): Promise<{ direct: number; proxy: number }> {
  const ref = await startReference({ auth: 'none' });
  try {
    return { direct: await uploadTo(ref.glanceUrl), proxy: await uploadTo(ref.proxyUrl) };
  } finally {
    await ref.close();
  }
}

async function childProcess(): Promise<{ direct: number; proxy: number }> {
  const entry = fileURLToPath(new URL('../../src/reference/index.ts', import.meta.url));
  const script = `import { startReference } from ${JSON.stringify(entry)};
const ref = await startReference({ auth: 'none' });
console.log(JSON.stringify({ glance: ref.glanceUrl, proxy: ref.proxyUrl }));
process.on('SIGTERM', () => { void ref.close().then(() => process.exit(0)); });`;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const urls = await new Promise<{ glance: string; proxy: string }>((resolve, reject) => {
      child.stdout?.once('data', (d: Buffer) => resolve(JSON.parse(d.toString('utf8'))));
      child.once('exit', (code) => reject(new Error(`reference child exited with ${code}`)));
    });
    return { direct: await uploadTo(urls.glance), proxy: await uploadTo(urls.proxy) };
  } finally {
    child.kill('SIGTERM');
  }
}

const hash = hashBaseline();
const network = await networkBaseline();
const local = await inProcess();
const child = await childProcess();
const line = (label: string, ms: number) =>
  `${label.padEnd(34)} ${mbps(total, ms).toFixed(0).padStart(5)} MB/s  ${(network / ms).toFixed(2)}x network, ${(hash / ms).toFixed(2)}x hashing`;
console.log(
  `payload: ${(total / GIB).toFixed(2)} GiB generated in memory, uploaded with undici (MB = 10^6 B)`,
);
console.log(
  `${'baseline: md5+sha512, one thread'.padEnd(34)} ${mbps(total, hash).toFixed(0).padStart(5)} MB/s`,
);
console.log(
  `${'baseline: node:http discard'.padEnd(34)} ${mbps(total, network).toFixed(0).padStart(5)} MB/s`,
);
console.log(line('reference, same process, direct', local.direct));
console.log(line('reference, same process, proxy', local.proxy));
console.log(line('reference, child process, direct', child.direct));
console.log(line('reference, child process, proxy', child.proxy));
