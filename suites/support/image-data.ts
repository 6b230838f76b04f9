// Generated image bytes for data checks: kept in memory (small), with the digests Glance must report.
import { Readable } from 'node:stream';
import {
  buildQcow2,
  type Digests,
  digestBuffer,
  qcow2VirtualSize,
  rawImageStream,
} from '../../src/data/index.js';
import type { DownloadResponse, Image, ImageSource } from '../../src/glance/index.js';
import { expect, explainStatus } from '../fixtures.js';

export interface LocalImage {
  diskFormat: 'raw' | 'qcow2';
  bytes: Buffer;
  digests: Digests;
  /** What Glance should report as virtual_size: the qcow2 header's size, or the raw file size. */
  virtualSize: number;
}

/** An odd size, so a body cut at a chunk boundary shows. */
export const RAW_SIZE = 2 ** 20 + 4097;
export const QCOW2_VIRTUAL_SIZE = 64 * 2 ** 20;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A raw image of RAW_SIZE deterministic bytes. */
export async function rawImage(seed = 'data-raw'): Promise<LocalImage> {
  const bytes = await collect(rawImageStream(RAW_SIZE, seed));
  return { diskFormat: 'raw', bytes, digests: digestBuffer(bytes), virtualSize: bytes.length };
}

/** A valid qcow2 image (64 MiB guest disk, a few data clusters); virtualSize read back from its header. */
export function qcow2Image(seed = 'data-qcow2'): LocalImage {
  const bytes = buildQcow2({ virtualSize: QCOW2_VIRTUAL_SIZE, seed });
  const virtualSize = qcow2VirtualSize(bytes);
  if (virtualSize === undefined) throw new Error('generated qcow2 has no readable header');
  return { diskFormat: 'qcow2', bytes, digests: digestBuffer(bytes), virtualSize };
}

export function localImage(format: 'raw' | 'qcow2'): Promise<LocalImage> {
  return format === 'raw' ? rawImage() : Promise.resolve(qcow2Image());
}

/** The bytes as an upload source. */
export function sourceOf(img: LocalImage): ImageSource {
  return { stream: Readable.from([img.bytes]), size: img.bytes.length };
}

/** Show agrees with the local digests: size, checksum (md5), os_hash_algo sha512 and os_hash_value. */
export function expectStoredDigests(image: Image, digests: Digests): void {
  expect(image.status, `image ${image.id} status after upload`).toBe('active');
  expect(image.size, `image ${image.id} size`).toBe(digests.size);
  expect(image.checksum, `image ${image.id} checksum (md5 of the uploaded bytes)`).toBe(digests.md5);
  expect(image.os_hash_algo, `image ${image.id} os_hash_algo`).toBe('sha512');
  expect(image.os_hash_value, `image ${image.id} os_hash_value (sha512 of the uploaded bytes)`).toBe(
    digests.sha512,
  );
}

/**
 * A download of an active image returned its bytes: 200, hex Content-Md5, the same length and
 * digests. 204 or an empty body for an active image is data loss, never a pass.
 */
export function expectImageBytes(res: DownloadResponse, imageId: string, digests: Digests): void {
  const where = `${res.exchange.method} ${res.exchange.path} (${res.requestId ?? 'no request id'})`;
  expect(
    res.status === 204 || (res.status === 200 && res.received.size === 0),
    `Data loss: image ${imageId} is active with size ${digests.size}, but ${where} answered ${res.status} ` +
      `with ${res.received.size} bytes. The store no longer holds its data (a lost or remounted store ` +
      'mount, a removed store directory or a wiped backend); the upload was acknowledged but never persisted.',
  ).toBe(false);
  expect(res, explainStatus(res, 200)).toHaveStatus(200);
  expect(res.headers['content-type'], `${where} Content-Type`).toBe('application/octet-stream');
  expect(res.headers['content-md5'], `${where} Content-Md5 (Glance sends the md5 checksum in hex)`).toBe(
    digests.md5,
  );
  expect(Number(res.headers['content-length']), `${where} Content-Length`).toBe(digests.size);
  expect(res.received.size, `${where} bytes received`).toBe(digests.size);
  expect(res.received.md5, `${where} md5 of the bytes received`).toBe(digests.md5);
  expect(res.received.sha512, `${where} sha512 of the bytes received`).toBe(digests.sha512);
}
