import { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import type { Digests, GeneratedImage } from './hash.js';
import { QCOW2_MAGIC } from './qcow2-header.js';
import { CHUNK_SIZE, DEFAULT_SEED, digestStream, ImagePattern, writeHashed } from './raw.js';

/** What to build. Give at most one of `dataClusters` and `dataBytes`. */
export interface Qcow2Options {
  /** Guest disk size in bytes, a multiple of 512. */
  virtualSize: number;
  /** Allocated data clusters, spread evenly over the guest disk. Default: min(16, guest clusters). */
  dataClusters?: number;
  /** Allocate enough data clusters to hold this many bytes (rounded up to whole clusters). */
  dataBytes?: number;
  /** log2 of the cluster size, 9 (512 B) to 21 (2 MiB). Default 16 (64 KiB), as qemu-img. */
  clusterBits?: number;
  /** Seed of the data cluster contents. */
  seed?: string;
  /** qcow2 version (2 = qemu "compat=0.10", 3 = "compat=1.1"). Default 3. */
  version?: 2 | 3;
}

/** Where everything sits in the file; all offsets are cluster-aligned byte offsets. */
export interface Qcow2Layout {
  version: 2 | 3;
  clusterBits: number;
  clusterSize: number;
  virtualSize: number;
  /** Clusters of guest address space (the last one may be partly beyond virtualSize). */
  guestClusters: number;
  /** Entries per L2 table (and per refcount table cluster). */
  l2Entries: number;
  /** 16-bit refcounts per refcount block. */
  refcountBlockEntries: number;
  l1Entries: number;
  l1Offset: number;
  l1Clusters: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  refcountBlockOffset: number;
  refcountBlocks: number;
  l2Offset: number;
  l2Tables: number;
  dataOffset: number;
  dataClusters: number;
  /** Every cluster of the file is in use, so this is also (allocated clusters) × clusterSize. */
  fileSize: number;
}

export const QCOW2_MIN_CLUSTER_BITS = 9;
export const QCOW2_MAX_CLUSTER_BITS = 21;
const DEFAULT_CLUSTER_BITS = 16;
const DEFAULT_DATA_CLUSTERS = 16;

/** qemu refuses L1 tables larger than this (QCOW_MAX_L1_SIZE). */
const MAX_L1_BYTES = 32 << 20;

/** buildQcow2 holds the image in memory; beyond this the streaming writers are the right tool. */
const MAX_IN_MEMORY = 64 << 20;

const HEADER_V3_LENGTH = 104;
/** refcount_order 4: 16-bit refcounts, the only width version 2 knows and qemu's default. */
const REFCOUNT_ORDER = 4;
/** Bit 63 of L1/L2 entries: the cluster's refcount is exactly 1, so it may be written in place. */
const OFLAG_COPIED_HI = 0x80000000;
const TWO_POW_32 = 2 ** 32;

function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InputError(`qcow2 ${name} must be a non-negative integer (got ${value})`);
  }
}

/** Validates the options and computes where every table and cluster goes. */
export function qcow2Layout(opts: Qcow2Options): Qcow2Layout {
  const version = opts.version ?? 3;
  if (version !== 2 && version !== 3) throw new InputError(`qcow2 version must be 2 or 3 (got ${version})`);
  const clusterBits = opts.clusterBits ?? DEFAULT_CLUSTER_BITS;
  if (
    !Number.isInteger(clusterBits) ||
    clusterBits < QCOW2_MIN_CLUSTER_BITS ||
    clusterBits > QCOW2_MAX_CLUSTER_BITS
  ) {
    throw new InputError(
      `qcow2 clusterBits must be an integer from ${QCOW2_MIN_CLUSTER_BITS} to ${QCOW2_MAX_CLUSTER_BITS} (got ${clusterBits})`,
    );
  }
  const { virtualSize } = opts;
  checkCount('virtualSize', virtualSize);
  if (virtualSize % 512 !== 0) {
    throw new InputError(`qcow2 virtualSize must be a multiple of 512 bytes (got ${virtualSize})`);
  }
  const clusterSize = 2 ** clusterBits;
  const l2Entries = clusterSize / 8;
  const refcountBlockEntries = (clusterSize * 8) / 2 ** REFCOUNT_ORDER;
  const guestClusters = ceilDiv(virtualSize, clusterSize);
  const l1Entries = ceilDiv(guestClusters, l2Entries);
  if (l1Entries * 8 > MAX_L1_BYTES) {
    throw new InputError(
      `qcow2 virtualSize ${virtualSize} needs an L1 table of ${l1Entries * 8} bytes, over qemu's limit of ${MAX_L1_BYTES}; use larger clusterBits`,
    );
  }

  if (opts.dataClusters !== undefined && opts.dataBytes !== undefined) {
    throw new InputError('qcow2 options take dataClusters or dataBytes, not both');
  }
  let dataClusters: number;
  if (opts.dataBytes !== undefined) {
    checkCount('dataBytes', opts.dataBytes);
    dataClusters = ceilDiv(opts.dataBytes, clusterSize);
  } else if (opts.dataClusters !== undefined) {
    checkCount('dataClusters', opts.dataClusters);
    dataClusters = opts.dataClusters;
  } else {
    dataClusters = Math.min(DEFAULT_DATA_CLUSTERS, guestClusters);
  }
  if (dataClusters > guestClusters) {
    throw new InputError(
      `qcow2 data (${dataClusters} clusters of ${clusterSize} bytes) does not fit a virtualSize of ${virtualSize} (${guestClusters} clusters)`,
    );
  }

  let l2Tables = 0;
  for (const _ of usedL1Indexes(guestClusters, dataClusters, l2Entries)) l2Tables++;
  const l1Clusters = ceilDiv(l1Entries * 8, clusterSize);
  const fixedClusters = 1 + l1Clusters + l2Tables + dataClusters;

  // The refcount structures must count themselves; growing them can only grow the total, so
  // iterate to the fixed point (two or three rounds at most).
  let refcountBlocks = 0;
  let refcountTableClusters = 0;
  for (;;) {
    const total = fixedClusters + refcountTableClusters + refcountBlocks;
    const blocks = ceilDiv(total, refcountBlockEntries);
    const tableClusters = ceilDiv(blocks * 8, clusterSize);
    if (blocks === refcountBlocks && tableClusters === refcountTableClusters) break;
    refcountBlocks = blocks;
    refcountTableClusters = tableClusters;
  }

  const l1Offset = clusterSize;
  const refcountTableOffset = l1Offset + l1Clusters * clusterSize;
  const refcountBlockOffset = refcountTableOffset + refcountTableClusters * clusterSize;
  const l2Offset = refcountBlockOffset + refcountBlocks * clusterSize;
  const dataOffset = l2Offset + l2Tables * clusterSize;
  const fileSize = dataOffset + dataClusters * clusterSize;
  if (!Number.isSafeInteger(fileSize))
    throw new InputError(`qcow2 file would be too large (${fileSize} bytes)`);

  return {
    version,
    clusterBits,
    clusterSize,
    virtualSize,
    guestClusters,
    l2Entries,
    refcountBlockEntries,
    l1Entries,
    l1Offset,
    l1Clusters,
    refcountTableOffset,
    refcountTableClusters,
    refcountBlockOffset,
    refcountBlocks,
    l2Offset,
    l2Tables,
    dataOffset,
    dataClusters,
    fileSize,
  };
}

/**
 * Guest cluster of each data cluster, in order: data cluster i maps to floor(i × guest / data),
 * so allocations spread evenly over the disk. Integer-exact at any size (no i × guest product).
 */
export function* guestClusterSequence(guestClusters: number, dataClusters: number): Generator<number> {
  if (dataClusters === 0) return;
  const step = Math.floor(guestClusters / dataClusters);
  const rest = guestClusters % dataClusters;
  let guest = 0;
  let carry = 0;
  for (let i = 0; i < dataClusters; i++) {
    yield guest;
    guest += step;
    carry += rest;
    if (carry >= dataClusters) {
      carry -= dataClusters;
      guest += 1;
    }
  }
}

/** L1 indexes that get an L2 table, ascending. */
function* usedL1Indexes(guestClusters: number, dataClusters: number, l2Entries: number): Generator<number> {
  let last = -1;
  for (const guest of guestClusterSequence(guestClusters, dataClusters)) {
    const index = Math.floor(guest / l2Entries);
    if (index !== last) {
      yield index;
      last = index;
    }
  }
}

function writeU64(buf: Buffer, at: number, value: number, copied = false): void {
  const hi = Math.floor(value / TWO_POW_32);
  buf.writeUInt32BE((copied ? OFLAG_COPIED_HI | hi : hi) >>> 0, at);
  buf.writeUInt32BE(value % TWO_POW_32, at + 4);
}

function header(layout: Qcow2Layout): Buffer {
  const buf = Buffer.alloc(layout.clusterSize);
  buf.writeUInt32BE(QCOW2_MAGIC, 0);
  buf.writeUInt32BE(layout.version, 4);
  // 8..19: no backing file.
  buf.writeUInt32BE(layout.clusterBits, 20);
  writeU64(buf, 24, layout.virtualSize);
  // 32: crypt_method 0 (none).
  buf.writeUInt32BE(layout.l1Entries, 36);
  writeU64(buf, 40, layout.l1Offset);
  writeU64(buf, 48, layout.refcountTableOffset);
  buf.writeUInt32BE(layout.refcountTableClusters, 56);
  // 60..71: no snapshots.
  if (layout.version === 3) {
    // 72..95: no incompatible, compatible or autoclear features.
    buf.writeUInt32BE(REFCOUNT_ORDER, 96);
    buf.writeUInt32BE(HEADER_V3_LENGTH, 100);
  }
  // Header extensions start right after the header; zeros there are the end-of-extensions marker.
  return buf;
}

/**
 * Yields `clusters` clusters, batched into buffers of about CHUNK_SIZE; `fill` writes one
 * cluster (a zeroed view) and is called for clusters in order.
 */
function* clusterRegion(
  clusters: number,
  clusterSize: number,
  fill: (cluster: Buffer, index: number) => void,
): Generator<Buffer> {
  const perChunk = Math.max(1, Math.floor(CHUNK_SIZE / clusterSize));
  for (let first = 0; first < clusters; first += perChunk) {
    const count = Math.min(perChunk, clusters - first);
    const chunk = Buffer.alloc(count * clusterSize);
    for (let k = 0; k < count; k++) {
      fill(chunk.subarray(k * clusterSize, (k + 1) * clusterSize), first + k);
    }
    yield chunk;
  }
}

/** The image, front to back, as buffers of at most about 1 MiB. */
function* qcow2Chunks(layout: Qcow2Layout, seed: string): Generator<Buffer> {
  const { clusterSize, l2Entries, guestClusters, dataClusters } = layout;
  yield header(layout);

  const l1 = usedL1Indexes(guestClusters, dataClusters, l2Entries);
  let nextL1 = l1.next();
  let l2Ordinal = 0;
  yield* clusterRegion(layout.l1Clusters, clusterSize, (cluster, c) => {
    const first = c * l2Entries;
    const last = Math.min(first + l2Entries, layout.l1Entries);
    while (!nextL1.done && nextL1.value < last) {
      const offset = layout.l2Offset + l2Ordinal * clusterSize;
      writeU64(cluster, (nextL1.value - first) * 8, offset, true);
      l2Ordinal++;
      nextL1 = l1.next();
    }
  });

  yield* clusterRegion(layout.refcountTableClusters, clusterSize, (cluster, c) => {
    const first = c * l2Entries;
    const last = Math.min(first + l2Entries, layout.refcountBlocks);
    for (let k = first; k < last; k++) {
      writeU64(cluster, (k - first) * 8, layout.refcountBlockOffset + k * clusterSize);
    }
  });

  const usedClusters = layout.fileSize / clusterSize;
  yield* clusterRegion(layout.refcountBlocks, clusterSize, (cluster, c) => {
    const first = c * layout.refcountBlockEntries;
    const last = Math.min(first + layout.refcountBlockEntries, usedClusters);
    for (let k = first; k < last; k++) cluster.writeUInt16BE(1, (k - first) * 2);
  });

  const guests = guestClusterSequence(guestClusters, dataClusters);
  let nextGuest = guests.next();
  let dataIndex = 0;
  yield* clusterRegion(layout.l2Tables, clusterSize, (cluster) => {
    if (nextGuest.done) return;
    const first = Math.floor(nextGuest.value / l2Entries) * l2Entries;
    while (!nextGuest.done && nextGuest.value < first + l2Entries) {
      writeU64(cluster, (nextGuest.value - first) * 8, layout.dataOffset + dataIndex * clusterSize, true);
      dataIndex++;
      nextGuest = guests.next();
    }
  });

  const pattern = new ImagePattern(seed);
  const dataBytes = dataClusters * clusterSize;
  for (let pos = 0; pos < dataBytes; pos += CHUNK_SIZE) {
    yield pattern.slice(pos, Math.min(CHUNK_SIZE, dataBytes - pos));
  }
}

/** A valid qcow2 image streamed front to back; memory stays flat however many data clusters it has. */
export function qcow2ImageStream(opts: Qcow2Options): Readable {
  const layout = qcow2Layout(opts);
  return Readable.from(qcow2Chunks(layout, opts.seed ?? DEFAULT_SEED), { objectMode: false });
}

/** A valid qcow2 image in memory (up to 64 MiB of file; stream larger ones). */
export function buildQcow2(opts: Qcow2Options): Buffer {
  const layout = qcow2Layout(opts);
  if (layout.fileSize > MAX_IN_MEMORY) {
    throw new InputError(
      `buildQcow2 keeps the image in memory and this one is ${layout.fileSize} bytes (limit ${MAX_IN_MEMORY}); use writeQcow2Image or qcow2ImageStream`,
    );
  }
  return Buffer.concat([...qcow2Chunks(layout, opts.seed ?? DEFAULT_SEED)], layout.fileSize);
}

/** Writes a qcow2 image to `path`, hashing the file in the same pass. */
export async function writeQcow2Image(path: string, opts: Qcow2Options): Promise<GeneratedImage> {
  const digests = await writeHashed(qcow2ImageStream(opts), path);
  return { path, ...digests, diskFormat: 'qcow2', virtualSize: opts.virtualSize };
}

/** md5/sha512/size of the qcow2 file `qcow2ImageStream(opts)` would produce, without a file. */
export function qcow2ImageDigests(opts: Qcow2Options): Promise<Digests> {
  return digestStream(qcow2ImageStream(opts));
}
