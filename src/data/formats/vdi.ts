// VDI (VirtualBox), dynamic: a 512-byte little-endian header (signature 0xbeda107f at 0x40, disk size
// at 0x170), the block map (one u32 per 1 MiB block: its index in the data area, or unallocated),
// then the allocated blocks. Blocks are 1 MiB: VirtualBox's size, and the only one qemu reads.
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

export interface VdiOptions extends FormatOptions {
  /** Blocks holding data, spread over the disk. Default min(2, blocks of the disk): each one is 1 MiB. */
  dataBlocks?: number;
}

export interface VdiLayout {
  blocks: number;
  mapOffset: number;
  dataOffset: number;
  guest: GuestMap;
  fileSize: number;
}

export const VDI_SIGNATURE = 0xbeda107f;
const BLOCK = MiB;
const HEADER = 512;
const HEADER_SIZE_FIELD = 0x190;
const VERSION_1_1 = 0x0001_0001;
const TYPE_DYNAMIC = 1;
const UNALLOCATED = 0xffff_ffff;
const BANNER = '<<< Oracle VM VirtualBox Disk Image >>>\n';
/** Keeps the block map small enough for memory; VDI itself goes to 2 TiB-ish and beyond. */
const MAX_VIRTUAL = 2 ** 40;

/** Validates the options and places the block map and data blocks. */
export function vdiLayout(opts: VdiOptions): VdiLayout {
  checkVirtualSize('vdi', opts.virtualSize, 512, MAX_VIRTUAL);
  const blocks = Math.ceil(opts.virtualSize / BLOCK);
  const dataBlocks = opts.dataBlocks ?? Math.min(2, blocks);
  checkDataBlocks('vdi', dataBlocks, blocks);
  const mapOffset = HEADER;
  const dataOffset = mapOffset + roundUp(blocks * 4, 512);
  return {
    blocks,
    mapOffset,
    dataOffset,
    guest: { blockSize: BLOCK, blocks: spreadBlocks(blocks, dataBlocks) },
    fileSize: dataOffset + dataBlocks * BLOCK,
  };
}

function header(opts: VdiOptions, layout: VdiLayout): Buffer {
  const h = Buffer.alloc(HEADER);
  h.write(BANNER, 0, 'latin1');
  h.writeUInt32LE(VDI_SIGNATURE, 0x40);
  h.writeUInt32LE(VERSION_1_1, 0x44);
  h.writeUInt32LE(HEADER_SIZE_FIELD, 0x48);
  h.writeUInt32LE(TYPE_DYNAMIC, 0x4c);
  // 0x50 flags 0, 0x54 description empty.
  h.writeUInt32LE(layout.mapOffset, 0x154);
  h.writeUInt32LE(layout.dataOffset, 0x158);
  // 0x15c..0x167 legacy geometry: zero lets VirtualBox compute it.
  h.writeUInt32LE(512, 0x168); // sector size
  h.writeBigUInt64LE(BigInt(opts.virtualSize), 0x170);
  h.writeUInt32LE(BLOCK, 0x178);
  // 0x17c block extra 0.
  h.writeUInt32LE(layout.blocks, 0x180);
  h.writeUInt32LE(layout.guest.blocks.length, 0x184);
  seededUuid(opts.seed, 'vdi/image').copy(h, 0x188);
  seededUuid(opts.seed, 'vdi/modification').copy(h, 0x198);
  // Link and parent UUIDs stay zero: not a differencing image.
  return h;
}

/** A valid dynamic VDI image whose allocated 1 MiB blocks hold the seeded pattern. */
export function buildVdi(opts: VdiOptions): Buffer {
  const layout = vdiLayout(opts);
  const file = Buffer.alloc(layout.fileSize);
  header(opts, layout).copy(file, 0);
  for (let b = 0; b < layout.blocks; b++) file.writeUInt32LE(UNALLOCATED, layout.mapOffset + b * 4);
  layout.guest.blocks.forEach((block, i) => {
    file.writeUInt32LE(i, layout.mapOffset + block * 4);
    blockData(opts.seed, BLOCK, i).copy(file, layout.dataOffset + i * BLOCK);
  });
  return file;
}
