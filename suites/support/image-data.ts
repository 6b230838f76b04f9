// Generated image bytes for data checks: kept in memory (small), with the digests Glance must report.
import { Readable } from 'node:stream';
import {
  buildImage,
  type DiskFormat,
  IMAGE_FORMATS,
  type ZedVirtualSize,
} from '../../src/data/formats/index.js';
import { type Digests, digestBuffer } from '../../src/data/index.js';
import type { DownloadResponse, Image, ImageSource } from '../../src/glance/index.js';
import { expect, explainStatus, test } from '../fixtures.js';

export interface LocalImage {
  diskFormat: DiskFormat;
  bytes: Buffer;
  digests: Digests;
  /** The guest disk size the image declares (raw-like formats and iso: the file size). */
  virtualSize: number;
  /** virtual_size Glance 25.1 (Zed) reports once it is uploaded with container_format bare, or null. */
  zedVirtualSize: number | null;
  /** How Zed comes to that value, for check messages. */
  zed: ZedVirtualSize;
}

/**
 * A small valid image of `format` (src/data/formats: raw is an odd 1 MiB + 4097 bytes, qcow2 a 64 MiB
 * disk with a few clusters, and so on), seeded `data-<format>` so every run uploads the same bytes.
 */
export function localImage(format: DiskFormat): Promise<LocalImage> {
  const kind = IMAGE_FORMATS[format];
  const built = buildImage(kind, { seed: `data-${format}` });
  return Promise.resolve({
    diskFormat: format,
    bytes: built.bytes,
    digests: digestBuffer(built.bytes),
    virtualSize: built.virtualSize,
    zedVirtualSize: built.zedVirtualSize,
    zed: kind.zed,
  });
}

/** The bytes as an upload source. */
/** An in-memory image body for the data client. */
export function bytesOf(buf: Buffer): ImageSource {
  return { stream: Readable.from([buf]), size: buf.length };
}

export function sourceOf(img: LocalImage): ImageSource {
  return bytesOf(img.bytes);
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
  expectLengthHeader(res, where, digests.size);
  expect(res.received.size, `${where} bytes received`).toBe(digests.size);
  expect(res.received.md5, `${where} md5 of the bytes received`).toBe(digests.md5);
  expect(res.received.sha512, `${where} sha512 of the bytes received`).toBe(digests.sha512);
}

/**
 * Content-Length, when sent, is the image size. Glance's image cache middleware serves a cache miss
 * without one (it wraps the body after the length was set, and webob drops it) and ends the body by
 * closing the connection: then the bytes counted stand for the length, and a note says so.
 */
function expectLengthHeader(res: DownloadResponse, where: string, size: number): void {
  const sent = res.headers['content-length'];
  if (sent !== undefined) {
    expect(Number(sent), `${where} Content-Length`).toBe(size);
    return;
  }
  const delimited = res.headers['transfer-encoding'] ? 'chunked' : "ended by the connection's close";
  test.info().annotations.push({
    type: 'note',
    description: `${where} sent no Content-Length (body ${delimited}, as Glance's image cache serves a miss): the ${res.received.size} bytes received were counted instead`,
  });
}
