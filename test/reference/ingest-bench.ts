/**
 * Ingest benchmark for the reference Glance: uploads 1 GiB generated in memory (a Node stream,
 * no file) through undici and prints MB/s for the reference, next to a baseline measured in the
 * same run (a bare node:http server that only discards the body) and the hashing ceiling of this
 * machine (md5 + sha512 over the same bytes, no network).
 *
 * Run: node --import tsx test/reference/ingest-bench.ts [GiB]
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
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

function mbps(bytes: number, ms: number): string {
  return (bytes / 1e6 / (ms / 1000)).toFixed(0);
}

async function baseline(): Promise<number> {
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

function hashCeiling(): number {
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

async function reference(via: 'glance' | 'proxy'): Promise<number> {
  const ref = await startReference({ auth: 'none' });
  try {
    const base = via === 'glance' ? ref.glanceUrl : ref.proxyUrl;
    const created = await request(`${base}/v2/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', disk_format: 'raw', container_format: 'bare' }),
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
    if (res.statusCode !== 204) throw new Error(`upload answered ${res.statusCode}`);
    const shown = await request(`${base}/v2/images/${id}`);
    const img = (await shown.body.json()) as { size: number; status: string };
    if (img.size !== total || img.status !== 'active')
      throw new Error(`image ended ${img.status} with size ${img.size}`);
    return ms;
  } finally {
    await ref.close();
  }
}

const hash = hashCeiling();
const bare = await baseline();
const direct = await reference('glance');
const proxied = await reference('proxy');
const gb = (total / GIB).toFixed(2);
console.log(`payload                 ${gb} GiB generated in memory, sent with undici`);
console.log(`md5+sha512, no network  ${mbps(total, hash)} MB/s (ceiling for one hashing thread)`);
console.log(`bare node:http discard  ${mbps(total, bare)} MB/s (baseline)`);
console.log(`reference direct        ${mbps(total, direct)} MB/s  (${(bare / direct).toFixed(2)}x baseline)`);
console.log(
  `reference via proxy     ${mbps(total, proxied)} MB/s  (${(bare / proxied).toFixed(2)}x baseline)`,
);
