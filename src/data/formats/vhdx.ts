// VHDX, after Microsoft's [MS-VHDX] 1.0: a 1 MiB header section (file identifier "vhdxfile", two
// headers, two region tables), then 1 MiB-aligned regions: the log, the metadata region (block size,
// virtual disk size, sector sizes, page 83 id) and the block allocation table, then the payload
// blocks. Little-endian throughout; headers and region tables carry CRC-32C checksums. Every region
// and block is a whole number of MiB, so even a near-empty VHDX is 4 MiB plus its data blocks.
import { InputError } from '../../errors.js';
import {
  blockData,
  checkDataBlocks,
  checkVirtualSize,
  type FormatOptions,
  type GuestMap,
  MiB,
  roundUp,
  seededUuid,
  spreadBlocks,
} from './common.js';
import { crc32c } from './crc32c.js';

export interface VhdxOptions extends FormatOptions {
  /** Payload block size, a power of two from 1 MiB (the format's minimum, the default) to 256 MiB. */
  blockSize?: number;
  /** Blocks holding data, spread over the disk. Default min(2, blocks of the disk). */
  dataBlocks?: number;
}

export interface VhdxLayout {
  blockSize: number;
  /** Payload blocks of guest disk. */
  blocks: number;
  /** Payload blocks per sector-bitmap block: BAT entries come in groups of this many plus one. */
  chunkRatio: number;
  batEntries: number;
  batOffset: number;
  batLength: number;
  dataOffset: number;
  guest: GuestMap;
  fileSize: number;
}

export const VHDX_SIGNATURE = 'vhdxfile';
/** Region and metadata item ids ([MS-VHDX] 2.2.3.2, 2.6.2). */
export const VHDX_GUID = {
  bat: '2DC27766-F623-4200-9D64-115E9BFD4A08',
  metadata: '8B7CA206-4790-4B9A-B8FE-575F050F886E',
  fileParameters: 'CAA16737-FA36-4D43-B3B6-33F0AA44E76B',
  virtualDiskSize: '2FA54224-CD1B-4876-B211-5DBED83BF4B8',
  page83: 'BECA12AB-B2E6-4523-93EF-C309E000C746',
  logicalSectorSize: '8141BF1D-A96F-4709-BA47-F233A8FAAB5F',
  physicalSectorSize: 'CDA348C7-445D-4471-9CC9-E9885251C556',
} as const;

const KiB64 = 64 * 1024;
const HEADER_AT = [KiB64, 2 * KiB64];
const REGION_TABLE_AT = [3 * KiB64, 4 * KiB64];
const LOG_OFFSET = MiB;
const LOG_LENGTH = MiB;
const METADATA_OFFSET = 2 * MiB;
const METADATA_LENGTH = MiB;
const BAT_OFFSET = 3 * MiB;
/** Metadata items start 64 KiB into the metadata region, after the table (as qemu and Hyper-V place them). */
const ITEMS_AT = KiB64;
const LOGICAL_SECTOR = 512;
const PHYSICAL_SECTOR = 4096;
const PAYLOAD_BLOCK_FULLY_PRESENT = 6n;
const META_IS_VIRTUAL_DISK = 2;
const META_IS_REQUIRED = 4;
const MAX_VIRTUAL = 64 * 2 ** 40;
const MAX_FILE = 64 * MiB;

/** A GUID in the on-disk order: the first three fields little-endian, the rest as written. */
export function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/** Validates the options and places the BAT and payload blocks. */
export function vhdxLayout(opts: VhdxOptions): VhdxLayout {
  checkVirtualSize('vhdx', opts.virtualSize, LOGICAL_SECTOR, MAX_VIRTUAL);
  const blockSize = opts.blockSize ?? MiB;
  if (!Number.isInteger(Math.log2(blockSize)) || blockSize < MiB || blockSize > 256 * MiB) {
    throw new InputError(
      `vhdx blockSize must be a power of two from ${MiB} to ${256 * MiB} (got ${blockSize})`,
    );
  }
  const blocks = Math.ceil(opts.virtualSize / blockSize);
  const dataBlocks = opts.dataBlocks ?? Math.min(2, blocks);
  checkDataBlocks('vhdx', dataBlocks, blocks);
  const chunkRatio = (2 ** 23 * LOGICAL_SECTOR) / blockSize;
  const batEntries = blocks + Math.floor((blocks - 1) / chunkRatio);
  const batLength = roundUp(batEntries * 8, MiB);
  const dataOffset = BAT_OFFSET + batLength;
  const fileSize = dataOffset + dataBlocks * blockSize;
  if (fileSize > MAX_FILE) {
    throw new InputError(
      `vhdx file would be ${fileSize} bytes; the in-memory generator stops at ${MAX_FILE}`,
    );
  }
  return {
    blockSize,
    blocks,
    chunkRatio,
    batEntries,
    batOffset: BAT_OFFSET,
    batLength,
    dataOffset,
    guest: { blockSize, blocks: spreadBlocks(blocks, dataBlocks) },
    fileSize,
  };
}

/** Writes the CRC-32C of `region` (checksum field at 4 zeroed first) into that field. */
function seal(region: Buffer): void {
  region.writeUInt32LE(0, 4);
  region.writeUInt32LE(crc32c(region), 4);
}

function fileIdentifier(): Buffer {
  const id = Buffer.alloc(KiB64);
  id.write(VHDX_SIGNATURE, 0, 'latin1');
  id.write('glance-harness', 8, 'utf16le'); // creator
  return id;
}

function header(seed: string | undefined, sequence: number): Buffer {
  const h = Buffer.alloc(4096);
  h.write('head', 0, 'latin1');
  h.writeBigUInt64LE(BigInt(sequence), 8);
  seededUuid(seed, 'vhdx/file-write').copy(h, 16);
  seededUuid(seed, 'vhdx/data-write').copy(h, 32);
  // 48: log GUID zero, so there is no log to replay.
  h.writeUInt16LE(0, 64); // log version
  h.writeUInt16LE(1, 66); // version
  h.writeUInt32LE(LOG_LENGTH, 68);
  h.writeBigUInt64LE(BigInt(LOG_OFFSET), 72);
  seal(h);
  return h;
}

function regionTable(layout: VhdxLayout): Buffer {
  const t = Buffer.alloc(KiB64);
  t.write('regi', 0, 'latin1');
  t.writeUInt32LE(2, 8); // entries
  const entries: [string, number, number][] = [
    [VHDX_GUID.bat, layout.batOffset, layout.batLength],
    [VHDX_GUID.metadata, METADATA_OFFSET, METADATA_LENGTH],
  ];
  entries.forEach(([guid, offset, length], i) => {
    const at = 16 + i * 32;
    guidBytes(guid).copy(t, at);
    t.writeBigUInt64LE(BigInt(offset), at + 16);
    t.writeUInt32LE(length, at + 24);
    t.writeUInt32LE(1, at + 28); // required
  });
  seal(t);
  return t;
}

function metadataRegion(opts: VhdxOptions, layout: VhdxLayout): Buffer {
  const m = Buffer.alloc(METADATA_LENGTH);
  const items: [string, Buffer, number][] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return b;
  };
  // File parameters: block size, then flags 0 (blocks may be unallocated; no parent).
  items.push([VHDX_GUID.fileParameters, Buffer.concat([u32(layout.blockSize), u32(0)]), META_IS_REQUIRED]);
  const disk = META_IS_VIRTUAL_DISK | META_IS_REQUIRED;
  items.push([VHDX_GUID.virtualDiskSize, u64(opts.virtualSize), disk]);
  items.push([VHDX_GUID.page83, seededUuid(opts.seed, 'vhdx/page83'), disk]);
  items.push([VHDX_GUID.logicalSectorSize, u32(LOGICAL_SECTOR), disk]);
  items.push([VHDX_GUID.physicalSectorSize, u32(PHYSICAL_SECTOR), disk]);
  m.write('metadata', 0, 'latin1');
  m.writeUInt16LE(items.length, 10);
  let offset = ITEMS_AT;
  items.forEach(([guid, value, flags], i) => {
    const at = 32 + i * 32;
    guidBytes(guid).copy(m, at);
    m.writeUInt32LE(offset, at + 16);
    m.writeUInt32LE(value.length, at + 20);
    m.writeUInt32LE(flags, at + 24);
    value.copy(m, offset);
    offset += value.length;
  });
  return m;
}

/** A valid dynamic VHDX image whose fully present payload blocks hold the seeded pattern. */
export function buildVhdx(opts: VhdxOptions): Buffer {
  const layout = vhdxLayout(opts);
  const file = Buffer.alloc(layout.fileSize);
  fileIdentifier().copy(file, 0);
  HEADER_AT.forEach((at, i) => {
    header(opts.seed, i + 1).copy(file, at);
  });
  const table = regionTable(layout);
  for (const at of REGION_TABLE_AT) table.copy(file, at);
  metadataRegion(opts, layout).copy(file, METADATA_OFFSET);
  layout.guest.blocks.forEach((block, i) => {
    const at = layout.dataOffset + i * layout.blockSize;
    const entry = block + Math.floor(block / layout.chunkRatio); // sector bitmap entries interleave
    file.writeBigUInt64LE(BigInt(at) | PAYLOAD_BLOCK_FULLY_PRESENT, layout.batOffset + entry * 8);
    blockData(opts.seed, layout.blockSize, i).copy(file, at);
  });
  return file;
}
