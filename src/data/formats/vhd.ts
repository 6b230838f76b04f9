// VHD (qemu: vpc), after Microsoft's "Virtual Hard Disk Image Format Specification" 1.0: a 512-byte
// big-endian footer ("conectix") ends every file. A dynamic disk also starts with a copy of it, then a
// dynamic header ("cxsparse"), the block allocation table (BAT) and blocks of sector bitmap + data; a
// fixed disk is the raw disk followed by the footer.
import { InputError } from '../../errors.js';
import {
  blockData,
  checkDataBlocks,
  checkVirtualSize,
  type FormatOptions,
  type GuestMap,
  guestBytes,
  KiB,
  MiB,
  roundUp,
  seededUuid,
  spreadBlocks,
} from './common.js';

export interface VhdOptions extends FormatOptions {
  /** dynamic (default): footer copy, header, BAT and data blocks; fixed: the whole disk, then the footer. */
  type?: 'dynamic' | 'fixed';
  /** Bytes per block, a power of two from 512 B to 2 MiB. Default 64 KiB, to keep files small. */
  blockSize?: number;
  /** Blocks holding data, spread over the disk. Default min(4, blocks of the disk). */
  dataBlocks?: number;
}

export interface VhdLayout {
  type: 'dynamic' | 'fixed';
  blockSize: number;
  /** Entries of the BAT: blocks of guest disk. */
  batEntries: number;
  batOffset: number;
  /** Sector bitmap bytes before each block's data (whole sectors). */
  bitmapBytes: number;
  dataOffset: number;
  guest: GuestMap;
  fileSize: number;
}

const FOOTER = 512;
const DYNAMIC_HEADER = 1024;
const BAT_OFFSET = FOOTER + DYNAMIC_HEADER;
const NO_OFFSET = 0xffff_ffff_ffff_ffffn;
/** The spec's maximum disk size (2040 GiB); the generator keeps files in memory, so far less is built. */
const MAX_VIRTUAL = 2040 * 2 ** 30;
const MAX_FILE = 64 * MiB;
/** 2024-01-01T00:00:00Z in seconds since 2000-01-01T00:00:00Z (the footer's epoch): fixed, so files repeat. */
const TIMESTAMP = 757_382_400;
/**
 * Creator application "qem2" tells qemu to take the size from the footer's current size rather than
 * from the CHS geometry (block/vpc.c), which cannot express most sizes exactly; Hyper-V does the same.
 */
const CREATOR_APP = 'qem2';
const DISK_TYPE = { fixed: 2, dynamic: 3 } as const;

/** Validates the options and places the BAT and blocks. */
export function vhdLayout(opts: VhdOptions): VhdLayout {
  const type = opts.type ?? 'dynamic';
  if (type !== 'dynamic' && type !== 'fixed') {
    throw new InputError(`vhd type must be dynamic or fixed (got ${String(type)})`);
  }
  checkVirtualSize('vhd', opts.virtualSize, 512, MAX_VIRTUAL);
  const blockSize = opts.blockSize ?? 64 * KiB;
  if (!Number.isInteger(Math.log2(blockSize)) || blockSize < 512 || blockSize > 2 * MiB) {
    throw new InputError(`vhd blockSize must be a power of two from 512 to ${2 * MiB} (got ${blockSize})`);
  }
  const batEntries = Math.ceil(opts.virtualSize / blockSize);
  const dataBlocks = opts.dataBlocks ?? Math.min(4, batEntries);
  checkDataBlocks('vhd', dataBlocks, batEntries);
  const guest = { blockSize, blocks: spreadBlocks(batEntries, dataBlocks) };
  const bitmapBytes = roundUp(blockSize / 512 / 8, 512);
  const dataOffset = BAT_OFFSET + roundUp(batEntries * 4, 512);
  const fileSize =
    type === 'fixed'
      ? opts.virtualSize + FOOTER
      : dataOffset + dataBlocks * (bitmapBytes + blockSize) + FOOTER;
  if (fileSize > MAX_FILE) {
    throw new InputError(`vhd file would be ${fileSize} bytes; the in-memory generator stops at ${MAX_FILE}`);
  }
  return { type, blockSize, batEntries, batOffset: BAT_OFFSET, bitmapBytes, dataOffset, guest, fileSize };
}

/** One's complement of the byte sum, with the checksum field zero (spec: "Checksum"). */
function onesComplementSum(bytes: Buffer): number {
  let sum = 0;
  for (const b of bytes) sum += b;
  return ~sum >>> 0;
}

/** Cylinders, heads and sectors per track for a disk, by the algorithm in the spec's appendix. */
export function vhdGeometry(virtualSize: number): { cylinders: number; heads: number; sectors: number } {
  const total = Math.min(virtualSize / 512, 65535 * 16 * 255);
  let sectors: number;
  let heads: number;
  let cylTimesHeads: number;
  if (total >= 65535 * 16 * 63) {
    sectors = 255;
    heads = 16;
    cylTimesHeads = Math.floor(total / sectors);
  } else {
    sectors = 17;
    cylTimesHeads = Math.floor(total / sectors);
    heads = Math.max(4, Math.floor((cylTimesHeads + 1023) / 1024));
    if (cylTimesHeads >= heads * 1024 || heads > 16) {
      sectors = 31;
      heads = 16;
      cylTimesHeads = Math.floor(total / sectors);
    }
    if (cylTimesHeads >= heads * 1024) {
      sectors = 63;
      heads = 16;
      cylTimesHeads = Math.floor(total / sectors);
    }
  }
  return { cylinders: Math.floor(cylTimesHeads / heads), heads, sectors };
}

function footer(opts: VhdOptions, layout: VhdLayout): Buffer {
  const f = Buffer.alloc(FOOTER);
  f.write('conectix', 0, 'latin1');
  f.writeUInt32BE(2, 8); // features: the "reserved" bit, always set
  f.writeUInt32BE(0x0001_0000, 12); // file format version 1.0
  f.writeBigUInt64BE(layout.type === 'dynamic' ? BigInt(FOOTER) : NO_OFFSET, 16);
  f.writeUInt32BE(TIMESTAMP, 24);
  f.write(CREATOR_APP, 28, 'latin1');
  f.writeUInt32BE(0x0001_0000, 32); // creator version
  f.write('Wi2k', 36, 'latin1'); // creator host OS
  f.writeBigUInt64BE(BigInt(opts.virtualSize), 40); // original size
  f.writeBigUInt64BE(BigInt(opts.virtualSize), 48); // current size
  const chs = vhdGeometry(opts.virtualSize);
  f.writeUInt16BE(chs.cylinders, 56);
  f.writeUInt8(chs.heads, 58);
  f.writeUInt8(chs.sectors, 59);
  f.writeUInt32BE(DISK_TYPE[layout.type], 60);
  seededUuid(opts.seed, 'vhd').copy(f, 68);
  f.writeUInt32BE(onesComplementSum(f), 64);
  return f;
}

function dynamicHeader(layout: VhdLayout): Buffer {
  const h = Buffer.alloc(DYNAMIC_HEADER);
  h.write('cxsparse', 0, 'latin1');
  h.writeBigUInt64BE(NO_OFFSET, 8); // data offset: unused
  h.writeBigUInt64BE(BigInt(layout.batOffset), 16);
  h.writeUInt32BE(0x0001_0000, 24); // header version 1.0
  h.writeUInt32BE(layout.batEntries, 28);
  h.writeUInt32BE(layout.blockSize, 32);
  h.writeUInt32BE(onesComplementSum(h), 36);
  return h;
}

/** A valid VHD image (dynamic by default) whose data blocks hold the seeded pattern. */
export function buildVhd(opts: VhdOptions): Buffer {
  const layout = vhdLayout(opts);
  const tail = footer(opts, layout);
  if (layout.type === 'fixed') {
    return Buffer.concat([guestBytes(layout.guest, opts.virtualSize, opts.seed), tail]);
  }
  const file = Buffer.alloc(layout.fileSize);
  tail.copy(file, 0);
  dynamicHeader(layout).copy(file, FOOTER);
  file.fill(0xff, layout.batOffset, layout.dataOffset); // unallocated BAT entries
  const stride = layout.bitmapBytes + layout.blockSize;
  layout.guest.blocks.forEach((block, i) => {
    const at = layout.dataOffset + i * stride;
    file.writeUInt32BE(at / 512, layout.batOffset + block * 4);
    file.fill(0xff, at, at + layout.bitmapBytes); // every sector of the block is present
    blockData(opts.seed, layout.blockSize, i).copy(file, at + layout.bitmapBytes);
  });
  tail.copy(file, layout.fileSize - FOOTER);
  return file;
}
