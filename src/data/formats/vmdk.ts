// VMDK, the single-file sparse kinds of VMware's "Virtual Disk Format 1.1": a 512-byte little-endian
// header ("KDMV"), the text descriptor at sector 1, grain directories and tables (u32 sector offsets),
// then 64 KiB grains. monolithicSparse stores grains as they are; streamOptimized stores each one
// deflated behind a marker, and may keep its grain directory in a footer at the end of the file.
import { deflateSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import {
  blockData,
  checkDataBlocks,
  checkVirtualSize,
  type FormatOptions,
  type GuestMap,
  MiB,
  roundUp,
  spreadBlocks,
} from './common.js';

export type VmdkSubformat = 'monolithicSparse' | 'streamOptimized';

export interface VmdkOptions extends FormatOptions {
  /** Default monolithicSparse. */
  subformat?: VmdkSubformat;
  /**
   * streamOptimized only: keep the grain directory in a footer at the end, the header's gdOffset
   * saying GD_AT_END, as VMware's exporters (OVA/OVF) write it. Default false: in the header, as
   * qemu-img writes it.
   */
  footer?: boolean;
  /** Grains holding data, spread over the disk. Default min(4, grains of the disk). */
  dataGrains?: number;
}

export interface VmdkLayout {
  subformat: VmdkSubformat;
  footer: boolean;
  capacitySectors: number;
  gtCount: number;
  /** Sector offsets of the redundant and primary grain directories (0: none in front). */
  rgdSector: number;
  gdSector: number;
  overheadSectors: number;
  guest: GuestMap;
}

export const VMDK_MAGIC = 'KDMV';
export const GD_AT_END = 0xffff_ffff_ffff_ffffn;
const SECTOR = 512;
const GRAIN_SECTORS = 128;
const GRAIN = GRAIN_SECTORS * SECTOR;
const GTES_PER_GT = 512;
const GT_SECTORS = (GTES_PER_GT * 4) / SECTOR;
const DESCRIPTOR_SECTORS = 20;
const FLAG_NL_TEST = 1;
const FLAG_REDUNDANT_GT = 1 << 1;
const FLAG_COMPRESSED = 1 << 16;
const FLAG_MARKERS = 1 << 17;
const COMPRESS_DEFLATE = 1;
const MARKER = { eos: 0, gt: 1, gd: 2, footer: 3 } as const;
const MAX_VIRTUAL = 2 ** 40;
const MAX_FILE = 64 * MiB;

/** Validates the options and places the directories, tables and grains. */
export function vmdkLayout(opts: VmdkOptions): VmdkLayout {
  const subformat = opts.subformat ?? 'monolithicSparse';
  if (subformat !== 'monolithicSparse' && subformat !== 'streamOptimized') {
    throw new InputError(
      `vmdk subformat must be monolithicSparse or streamOptimized (got ${String(subformat)})`,
    );
  }
  const footer = opts.footer ?? false;
  if (footer && subformat !== 'streamOptimized') {
    throw new InputError('vmdk footer applies to the streamOptimized subformat only');
  }
  checkVirtualSize('vmdk', opts.virtualSize, SECTOR, MAX_VIRTUAL);
  const capacitySectors = opts.virtualSize / SECTOR;
  const grains = Math.ceil(capacitySectors / GRAIN_SECTORS);
  const dataGrains = opts.dataGrains ?? Math.min(4, grains);
  checkDataBlocks('vmdk', dataGrains, grains);
  const gtCount = Math.ceil(grains / GTES_PER_GT);
  const gdSectors = Math.ceil((gtCount * 4) / SECTOR);
  const afterDescriptor = 1 + DESCRIPTOR_SECTORS;
  // In front, as qemu-img lays them out: redundant directory and tables, then the primary ones.
  const rgdSector = footer ? 0 : afterDescriptor;
  const gdSector = footer ? 0 : rgdSector + gdSectors + gtCount * GT_SECTORS;
  const metadataEnd = footer ? afterDescriptor : gdSector + gdSectors + gtCount * GT_SECTORS;
  const layout = {
    subformat,
    footer,
    capacitySectors,
    gtCount,
    rgdSector,
    gdSector,
    overheadSectors: roundUp(metadataEnd, GRAIN_SECTORS),
    guest: { blockSize: GRAIN, blocks: spreadBlocks(grains, dataGrains) },
  };
  if (layout.overheadSectors * SECTOR + dataGrains * (GRAIN + SECTOR) > MAX_FILE) {
    throw new InputError(`vmdk file would pass ${MAX_FILE} bytes; the in-memory generator stops there`);
  }
  return layout;
}

function descriptor(layout: VmdkLayout): Buffer {
  const cylinders = Math.min(16383, Math.floor(layout.capacitySectors / (16 * 63)));
  const text = [
    '# Disk DescriptorFile',
    'version=1',
    'CID=fffffffe',
    'parentCID=ffffffff',
    `createType="${layout.subformat}"`,
    '',
    '# Extent description',
    `RW ${layout.capacitySectors} SPARSE "glance-harness.vmdk"`,
    '',
    '# The Disk Data Base',
    '#DDB',
    '',
    'ddb.virtualHWVersion = "4"',
    `ddb.geometry.cylinders = "${cylinders}"`,
    'ddb.geometry.heads = "16"',
    'ddb.geometry.sectors = "63"',
    'ddb.adapterType = "ide"',
    '',
  ].join('\n');
  const out = Buffer.alloc(DESCRIPTOR_SECTORS * SECTOR);
  out.write(text, 0, 'ascii');
  return out;
}

function header(layout: VmdkLayout, gdOffset: bigint): Buffer {
  const stream = layout.subformat === 'streamOptimized';
  const h = Buffer.alloc(SECTOR);
  h.write(VMDK_MAGIC, 0, 'latin1');
  h.writeUInt32LE(stream ? 3 : 1, 4);
  const flags =
    FLAG_NL_TEST | (layout.footer ? 0 : FLAG_REDUNDANT_GT) | (stream ? FLAG_COMPRESSED | FLAG_MARKERS : 0);
  h.writeUInt32LE(flags, 8);
  h.writeBigUInt64LE(BigInt(layout.capacitySectors), 12);
  h.writeBigUInt64LE(BigInt(GRAIN_SECTORS), 20);
  h.writeBigUInt64LE(1n, 28); // descriptor offset (sectors)
  h.writeBigUInt64LE(BigInt(DESCRIPTOR_SECTORS), 36);
  h.writeUInt32LE(GTES_PER_GT, 44);
  h.writeBigUInt64LE(BigInt(layout.rgdSector), 48);
  h.writeBigUInt64LE(gdOffset, 56);
  h.writeBigUInt64LE(BigInt(layout.overheadSectors), 64);
  h.write('\n \r\n', 73, 'latin1'); // the newline-detection characters
  if (stream) h.writeUInt16LE(COMPRESS_DEFLATE, 77);
  return h;
}

/** A metadata marker sector: `sectors` of metadata of `type` follow it. */
function marker(sectors: number, type: number): Buffer {
  const m = Buffer.alloc(SECTOR);
  m.writeBigUInt64LE(BigInt(sectors), 0);
  m.writeUInt32LE(type, 12);
  return m;
}

/** The grain directory and tables: GT k holds the sector of each grain it maps, or 0. */
function tables(layout: VmdkLayout, grainSectors: readonly number[]): Buffer[] {
  const gts = Array.from({ length: layout.gtCount }, () => Buffer.alloc(GT_SECTORS * SECTOR));
  layout.guest.blocks.forEach((grain, i) => {
    const gt = gts[Math.floor(grain / GTES_PER_GT)];
    gt?.writeUInt32LE(grainSectors[i] ?? 0, (grain % GTES_PER_GT) * 4);
  });
  return gts;
}

function directory(gtSectors: readonly number[]): Buffer {
  const gd = Buffer.alloc(roundUp(gtSectors.length * 4, SECTOR));
  gtSectors.forEach((sector, k) => {
    gd.writeUInt32LE(sector, k * 4);
  });
  return gd;
}

function monolithicSparse(opts: VmdkOptions, layout: VmdkLayout): Buffer {
  const { overheadSectors, gtCount } = layout;
  const grainSectors = layout.guest.blocks.map((_, i) => overheadSectors + i * GRAIN_SECTORS);
  const gts = tables(layout, grainSectors);
  const gdSectors = Math.ceil((gtCount * 4) / SECTOR);
  const file = Buffer.alloc((overheadSectors + grainSectors.length * GRAIN_SECTORS) * SECTOR);
  header(layout, BigInt(layout.gdSector)).copy(file, 0);
  descriptor(layout).copy(file, SECTOR);
  for (const gdStart of [layout.rgdSector, layout.gdSector]) {
    const gtStart = gdStart + gdSectors;
    directory(gts.map((_, k) => gtStart + k * GT_SECTORS)).copy(file, gdStart * SECTOR);
    gts.forEach((gt, k) => {
      gt.copy(file, (gtStart + k * GT_SECTORS) * SECTOR);
    });
  }
  grainSectors.forEach((sector, i) => {
    blockData(opts.seed, GRAIN, i).copy(file, sector * SECTOR);
  });
  return file;
}

/** Grain marker (guest sector, compressed length) and the deflated grain, padded to whole sectors. */
function compressedGrain(seed: string | undefined, ordinal: number, guestGrain: number): Buffer {
  const data = deflateSync(blockData(seed, GRAIN, ordinal));
  const out = Buffer.alloc(roundUp(12 + data.length, SECTOR));
  out.writeBigUInt64LE(BigInt(guestGrain * GRAIN_SECTORS), 0);
  out.writeUInt32LE(data.length, 8);
  data.copy(out, 12);
  return out;
}

function streamOptimized(opts: VmdkOptions, layout: VmdkLayout): Buffer {
  const grains = layout.guest.blocks.map((g, i) => compressedGrain(opts.seed, i, g));
  const grainSectors: number[] = [];
  let sector = layout.overheadSectors;
  for (const g of grains) {
    grainSectors.push(sector);
    sector += g.length / SECTOR;
  }
  const gts = tables(layout, grainSectors);
  const gdSectors = Math.ceil((layout.gtCount * 4) / SECTOR);
  const front = Buffer.alloc(layout.overheadSectors * SECTOR);
  descriptor(layout).copy(front, SECTOR);
  if (!layout.footer) {
    header(layout, BigInt(layout.gdSector)).copy(front, 0);
    for (const gdStart of [layout.rgdSector, layout.gdSector]) {
      const gtStart = gdStart + gdSectors;
      directory(gts.map((_, k) => gtStart + k * GT_SECTORS)).copy(front, gdStart * SECTOR);
      gts.forEach((gt, k) => {
        gt.copy(front, (gtStart + k * GT_SECTORS) * SECTOR);
      });
    }
    return Buffer.concat([front, ...grains, marker(0, MARKER.eos)]);
  }
  // VMware's stream: the tables that map grains, each behind a GT marker, then the directory
  // (0 for tables left out), the footer (the header again, now with the directory's place) and EOS.
  header(layout, GD_AT_END).copy(front, 0);
  const tail: Buffer[] = [];
  const gtSectors = gts.map((gt) => {
    if (gt.every((b) => b === 0)) return 0;
    tail.push(marker(GT_SECTORS, MARKER.gt), gt);
    sector += 1;
    const at = sector;
    sector += GT_SECTORS;
    return at;
  });
  tail.push(marker(gdSectors, MARKER.gd), directory(gtSectors));
  const gdAt = sector + 1;
  tail.push(marker(1, MARKER.footer), header(layout, BigInt(gdAt)), marker(0, MARKER.eos));
  return Buffer.concat([front, ...grains, ...tail]);
}

/** A valid single-file sparse VMDK whose grains hold the seeded pattern. */
export function buildVmdk(opts: VmdkOptions): Buffer {
  const layout = vmdkLayout(opts);
  return layout.subformat === 'monolithicSparse'
    ? monolithicSparse(opts, layout)
    : streamOptimized(opts, layout);
}
