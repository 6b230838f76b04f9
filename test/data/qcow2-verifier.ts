import { qcow2VirtualSize } from '../../src/data/qcow2-header.js';

/** What an independent read of a qcow2 file found. */
export interface Qcow2Reading {
  errors: string[];
  version: number;
  clusterSize: number;
  virtualSize: number;
  l1Entries: number;
  l2Tables: number;
  refcountTableClusters: number;
  refcountBlocks: number;
  /** Host offset of every allocated guest cluster, by guest cluster index. */
  mapping: Map<number, number>;
  /** Clusters the file holds (file size / cluster size). */
  fileClusters: number;
}

const MAX_ERRORS = 20;
const OFFSET_MASK = 0x00fffffffffffe00n;
const COPIED = 1n << 63n;
const COMPRESSED = 1n << 62n;
const L1_RESERVED = 0x7f000000000001ffn;
const L2_RESERVED = 0x3f000000000001fen;

/**
 * Reads a qcow2 image the way a strict checker would: walks the L1/L2 and refcount tables,
 * counts how often each cluster is referenced, and compares with the stored refcounts.
 * Only what the generator produces is accepted (no backing file, snapshots, compression,
 * encryption or extended L2 entries).
 */
export function readQcow2(image: Buffer): Qcow2Reading {
  const errors: string[] = [];
  const fail = (message: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(message);
  };
  const u32 = (at: number): number => image.readUInt32BE(at);
  const u64 = (at: number): bigint => image.readBigUInt64BE(at);

  const reading: Qcow2Reading = {
    errors,
    version: 0,
    clusterSize: 0,
    virtualSize: 0,
    l1Entries: 0,
    l2Tables: 0,
    refcountTableClusters: 0,
    refcountBlocks: 0,
    mapping: new Map(),
    fileClusters: 0,
  };
  if (image.length < 104) {
    fail(`file is ${image.length} bytes, shorter than a qcow2 header`);
    return reading;
  }
  const virtualSize = qcow2VirtualSize(image.subarray(0, 32));
  if (virtualSize === undefined) {
    fail('no qcow2 magic/version 2 or 3 at offset 0');
    return reading;
  }
  const version = u32(4);
  const clusterBits = u32(20);
  if (clusterBits < 9 || clusterBits > 21) {
    fail(`cluster_bits ${clusterBits} outside 9..21`);
    return reading;
  }
  const clusterSize = 2 ** clusterBits;
  Object.assign(reading, { version, clusterSize, virtualSize });
  if (u64(8) !== 0n || u32(16) !== 0) fail('has a backing file');
  if (u32(32) !== 0) fail(`crypt_method ${u32(32)}, expected 0`);
  if (u32(60) !== 0 || u64(64) !== 0n) fail('has snapshots');
  if (version === 3) {
    if (u64(72) !== 0n) fail(`incompatible_features 0x${u64(72).toString(16)}, expected 0`);
    if (u32(96) !== 4) fail(`refcount_order ${u32(96)}, expected 4`);
    if (u32(100) < 104 || u32(100) > clusterSize) fail(`header_length ${u32(100)} invalid`);
  }
  if (image.length % clusterSize !== 0) fail(`file size ${image.length} is not a whole number of clusters`);

  const fileClusters = Math.floor(image.length / clusterSize);
  const references = new Uint32Array(fileClusters);
  const reference = (offset: number, what: string): boolean => {
    if (offset % clusterSize !== 0) {
      fail(`${what} at ${offset} is not cluster-aligned`);
      return false;
    }
    if (offset + clusterSize > image.length) {
      fail(`${what} at ${offset} lies beyond the end of the file (${image.length})`);
      return false;
    }
    const index = offset / clusterSize;
    references[index] = (references[index] ?? 0) + 1;
    return true;
  };
  const tableClusters = (offset: number, bytes: number, what: string): boolean => {
    let ok = true;
    for (let c = 0; c * clusterSize < bytes; c++) ok = reference(offset + c * clusterSize, what) && ok;
    return ok;
  };

  reference(0, 'header');

  const l2Entries = clusterSize / 8;
  const l1Entries = u32(36);
  const l1Offset = Number(u64(40));
  const guestClusters = Math.ceil(virtualSize / clusterSize);
  if (l1Entries < Math.ceil(guestClusters / l2Entries)) fail(`l1_size ${l1Entries} too small for the disk`);
  reading.l1Entries = l1Entries;

  const refcountTableOffset = Number(u64(48));
  const refcountTableClusters = u32(56);
  reading.refcountTableClusters = refcountTableClusters;
  const refcountTableOk = tableClusters(
    refcountTableOffset,
    refcountTableClusters * clusterSize,
    'refcount table cluster',
  );
  const refcountBlockEntries = clusterSize / 2;
  const refcountBlocks: (number | undefined)[] = [];
  if (refcountTableOk) {
    for (let k = 0; k < refcountTableClusters * l2Entries; k++) {
      const offset = Number(u64(refcountTableOffset + k * 8));
      if (offset === 0) continue;
      if (reference(offset, `refcount block ${k}`)) refcountBlocks[k] = offset;
    }
  }
  reading.refcountBlocks = refcountBlocks.filter((b) => b !== undefined).length;

  if (l1Entries > 0 && tableClusters(l1Offset, l1Entries * 8, 'L1 table cluster')) {
    for (let j = 0; j < l1Entries; j++) {
      const entry = u64(l1Offset + j * 8);
      if (entry === 0n) continue;
      if ((entry & L1_RESERVED) !== 0n) fail(`L1[${j}] has reserved bits set`);
      if ((entry & COPIED) === 0n) fail(`L1[${j}] lacks the COPIED flag`);
      const l2Offset = Number(entry & OFFSET_MASK);
      if (!reference(l2Offset, `L2 table of L1[${j}]`)) continue;
      reading.l2Tables++;
      for (let k = 0; k < l2Entries; k++) {
        const l2 = u64(l2Offset + k * 8);
        if (l2 === 0n) continue;
        const guest = j * l2Entries + k;
        if ((l2 & COMPRESSED) !== 0n) fail(`guest cluster ${guest} is compressed`);
        if ((l2 & L2_RESERVED) !== 0n) fail(`L2 entry of guest cluster ${guest} has reserved bits set`);
        if ((l2 & COPIED) === 0n) fail(`L2 entry of guest cluster ${guest} lacks the COPIED flag`);
        if (guest >= guestClusters) fail(`guest cluster ${guest} is beyond the virtual size`);
        const host = Number(l2 & OFFSET_MASK);
        if (host === 0) continue;
        if (reference(host, `data of guest cluster ${guest}`)) reading.mapping.set(guest, host);
      }
    }
  }

  const storedRefcount = (cluster: number): number => {
    const block = refcountBlocks[Math.floor(cluster / refcountBlockEntries)];
    if (block === undefined) return 0;
    return image.readUInt16BE(block + (cluster % refcountBlockEntries) * 2);
  };
  for (let c = 0; c < fileClusters; c++) {
    const counted = references[c] ?? 0;
    if (counted > 1) fail(`cluster ${c} is referenced ${counted} times`);
    const stored = storedRefcount(c);
    if (stored !== counted) fail(`cluster ${c} has refcount ${stored} but ${counted} reference(s)`);
  }
  refcountBlocks.forEach((block, k) => {
    if (block === undefined) return;
    for (let e = 0; e < refcountBlockEntries; e++) {
      const cluster = k * refcountBlockEntries + e;
      if (cluster >= fileClusters && image.readUInt16BE(block + e * 2) !== 0) {
        fail(`cluster ${cluster} past the end of the file has a refcount`);
        return;
      }
    }
  });
  reading.fileClusters = fileClusters;
  return reading;
}

/** The guest's view of [offset, offset + length): mapped clusters from the file, zeros elsewhere. */
export function readGuest(image: Buffer, reading: Qcow2Reading, offset: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  const { clusterSize } = reading;
  for (let pos = offset; pos < offset + length; ) {
    const guest = Math.floor(pos / clusterSize);
    const within = pos % clusterSize;
    const n = Math.min(clusterSize - within, offset + length - pos);
    const host = reading.mapping.get(guest);
    if (host !== undefined) image.copy(out, pos - offset, host + within, host + within + n);
    pos += n;
  }
  return out;
}
