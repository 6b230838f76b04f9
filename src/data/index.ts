import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { writeQcow2Image } from './qcow2.js';
import { DEFAULT_SEED, writeRawImage } from './raw.js';

export type { Digests, GeneratedImage } from './hash.js';

import type { GeneratedImage } from './hash.js';

export { digestBuffer, HashingStream } from './hash.js';
export {
  buildQcow2,
  guestClusterSequence,
  QCOW2_MAX_CLUSTER_BITS,
  QCOW2_MIN_CLUSTER_BITS,
  type Qcow2Layout,
  type Qcow2Options,
  qcow2ImageDigests,
  qcow2ImageStream,
  qcow2Layout,
  writeQcow2Image,
} from './qcow2.js';
export { QCOW2_HEADER_MIN, QCOW2_MAGIC, qcow2VirtualSize } from './qcow2-header.js';
export {
  CHUNK_SIZE,
  DEFAULT_SEED,
  digestStream,
  ImagePattern,
  rawImageDigests,
  rawImageStream,
  writeHashed,
  writeRawImage,
} from './raw.js';

/** What generateImage builds. */
export interface GenerateOptions {
  format: 'raw' | 'qcow2';
  /** raw: file size; qcow2: virtual size (a multiple of 512). */
  size: number;
  seed?: string;
  /** qcow2 only: bytes of allocated data, which sets the file size. Default: a few clusters. */
  dataBytes?: number;
  /** qcow2 only: log2 of the cluster size. */
  clusterBits?: number;
}

const UNITS: ReadonlyArray<[string, number]> = [
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['KiB', 2 ** 10],
];

function sizeLabel(bytes: number): string {
  for (const [unit, scale] of UNITS) {
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale}${unit}`;
  }
  return `${bytes}B`;
}

function seedLabel(seed: string): string {
  if (/^[A-Za-z0-9_-]{1,32}$/.test(seed)) return seed;
  return createHash('sha256').update(seed).digest('hex').slice(0, 12);
}

/** File name generateImage uses, e.g. `qcow2-10GiB-data64MiB-glance-harness.qcow2`. */
export function imageFileName(opts: GenerateOptions): string {
  const data =
    opts.format === 'qcow2' && opts.dataBytes !== undefined ? `-data${sizeLabel(opts.dataBytes)}` : '';
  const bits = opts.format === 'qcow2' && opts.clusterBits !== undefined ? `-c${opts.clusterBits}` : '';
  return `${opts.format}-${sizeLabel(opts.size)}${data}${bits}-${seedLabel(opts.seed ?? DEFAULT_SEED)}.${opts.format}`;
}

/** Generates an image of the given format in `dir` (created if missing) and returns its digests. */
export async function generateImage(dir: string, opts: GenerateOptions): Promise<GeneratedImage> {
  const seed = opts.seed ?? DEFAULT_SEED;
  if (opts.format !== 'raw' && opts.format !== 'qcow2') {
    throw new InputError(`Image format must be raw or qcow2 (got ${String(opts.format)})`);
  }
  if (opts.format === 'raw' && (opts.dataBytes !== undefined || opts.clusterBits !== undefined)) {
    throw new InputError('dataBytes and clusterBits apply to qcow2 images only');
  }
  await mkdir(dir, { recursive: true });
  const path = join(dir, imageFileName(opts));
  if (opts.format === 'raw') return writeRawImage(path, opts.size, seed);
  return writeQcow2Image(path, {
    virtualSize: opts.size,
    seed,
    ...(opts.dataBytes !== undefined && { dataBytes: opts.dataBytes }),
    ...(opts.clusterBits !== undefined && { clusterBits: opts.clusterBits }),
  });
}
