import { DEFAULT_SEED, ImagePattern } from '../raw.js';
import { checkVirtualSize, type FormatOptions, type GuestMap, MiB } from './common.js';

/** In-memory builders stop here; `rawImageStream` serves larger raw images. */
export const RAW_MAX_IN_MEMORY = 64 * MiB;

/** A raw image: `virtualSize` bytes of the seeded pattern (the file is the guest disk). */
export function buildRaw(opts: FormatOptions): Buffer {
  checkVirtualSize('raw', opts.virtualSize, 1, RAW_MAX_IN_MEMORY);
  return new ImagePattern(opts.seed ?? DEFAULT_SEED).slice(0, opts.virtualSize);
}

/** The whole file is one data block at guest offset 0. */
export function rawGuest(opts: FormatOptions): GuestMap {
  return { blockSize: opts.virtualSize, blocks: [0] };
}
