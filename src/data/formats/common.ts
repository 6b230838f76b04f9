import { createHash } from 'node:crypto';
import { InputError } from '../../errors.js';
import { guestClusterSequence } from '../qcow2.js';
import { DEFAULT_SEED, ImagePattern } from '../raw.js';

/** What every format builder takes. */
export interface FormatOptions {
  /** Guest disk size in bytes (for iso: the volume size; for raw-like formats: the file size). */
  virtualSize: number;
  /** Seed of the data blocks; the same seed gives the same bytes. */
  seed?: string;
}

/**
 * Where a builder put its data: guest block `blocks[i]` (of `blockSize` bytes) holds pattern bytes
 * [i × blockSize, (i + 1) × blockSize) of the seed, cut at the virtual size; every other guest byte is 0.
 */
export interface GuestMap {
  blockSize: number;
  blocks: readonly number[];
}

export const KiB = 2 ** 10;
export const MiB = 2 ** 20;

/** Throws InputError unless `virtualSize` is a positive safe multiple of `unit`, at most `max`. */
export function checkVirtualSize(format: string, virtualSize: number, unit: number, max: number): void {
  if (!Number.isSafeInteger(virtualSize) || virtualSize <= 0 || virtualSize % unit !== 0) {
    throw new InputError(
      `${format} virtualSize must be a positive multiple of ${unit} bytes (got ${virtualSize})`,
    );
  }
  if (virtualSize > max) {
    throw new InputError(`${format} virtualSize must be at most ${max} bytes (got ${virtualSize})`);
  }
}

/** Throws InputError unless `count` data blocks fit in `guestBlocks`. */
export function checkDataBlocks(format: string, count: number, guestBlocks: number): void {
  if (!Number.isSafeInteger(count) || count < 0 || count > guestBlocks) {
    throw new InputError(
      `${format} dataBlocks must be an integer from 0 to ${guestBlocks} for this virtualSize (got ${count})`,
    );
  }
}

/** `count` guest blocks out of `guestBlocks`, spread evenly (as the qcow2 generator spreads clusters). */
export function spreadBlocks(guestBlocks: number, count: number): number[] {
  return [...guestClusterSequence(guestBlocks, count)];
}

/** The bytes of data block `ordinal` (the pattern slice every format stores there). */
export function blockData(seed: string | undefined, blockSize: number, ordinal: number): Buffer {
  return new ImagePattern(seed ?? DEFAULT_SEED).slice(ordinal * blockSize, blockSize);
}

/** The whole guest disk a GuestMap describes, for comparing with what qemu-img reads (small disks only). */
export function guestBytes(map: GuestMap, virtualSize: number, seed?: string): Buffer {
  const guest = Buffer.alloc(virtualSize);
  const pattern = new ImagePattern(seed ?? DEFAULT_SEED);
  map.blocks.forEach((block, i) => {
    const start = block * map.blockSize;
    const length = Math.min(map.blockSize, virtualSize - start);
    pattern.fill(guest.subarray(start, start + length), i * map.blockSize);
  });
  return guest;
}

/** 16 bytes derived from the seed, shaped as a random (version 4) UUID, so equal seeds give equal files. */
export function seededUuid(seed: string | undefined, label: string): Buffer {
  const bytes = createHash('sha256')
    .update(`glance-harness/uuid/${label}\0`)
    .update(seed ?? DEFAULT_SEED)
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return Buffer.from(bytes);
}

/** Rounds `n` up to a multiple of `unit`. */
export function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}
