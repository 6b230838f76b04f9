// ploop (Virtuozzo; qemu: parallels), version 2: a 64-byte little-endian header with the magic
// "WithouFreSpacExt", the block allocation table right after it (one u32 per cluster: the cluster's
// place in the file, in clusters), then the data clusters from the first cluster boundary on.
import { InputError } from '../../errors.js';
import {
  blockData,
  checkDataBlocks,
  checkVirtualSize,
  type FormatOptions,
  type GuestMap,
  KiB,
  MiB,
  roundUp,
  spreadBlocks,
} from './common.js';

export interface PloopOptions extends FormatOptions {
  /** Cluster size, a power of two from 4 KiB to 1 MiB (ploop's default). Default 64 KiB, to keep files small. */
  clusterSize?: number;
  /** Clusters holding data, spread over the disk. Default min(4, clusters of the disk). */
  dataClusters?: number;
}

export interface PloopLayout {
  clusterSize: number;
  batEntries: number;
  /** First data cluster, in bytes (the header's data_off is this in sectors). */
  dataOffset: number;
  guest: GuestMap;
  fileSize: number;
}

export const PLOOP_MAGIC = 'WithouFreSpacExt';
const HEADER = 64;
const MAX_FILE = 64 * MiB;
const MAX_VIRTUAL = 2 ** 40;

/** Validates the options and places the BAT and data clusters. */
export function ploopLayout(opts: PloopOptions): PloopLayout {
  checkVirtualSize('ploop', opts.virtualSize, 512, MAX_VIRTUAL);
  const clusterSize = opts.clusterSize ?? 64 * KiB;
  if (!Number.isInteger(Math.log2(clusterSize)) || clusterSize < 4 * KiB || clusterSize > MiB) {
    throw new InputError(`ploop clusterSize must be a power of two from 4096 to ${MiB} (got ${clusterSize})`);
  }
  const batEntries = Math.ceil(opts.virtualSize / clusterSize);
  const dataClusters = opts.dataClusters ?? Math.min(4, batEntries);
  checkDataBlocks('ploop', dataClusters, batEntries);
  const dataOffset = roundUp(HEADER + batEntries * 4, clusterSize);
  const fileSize = dataOffset + dataClusters * clusterSize;
  if (fileSize > MAX_FILE) {
    throw new InputError(
      `ploop file would be ${fileSize} bytes; the in-memory generator stops at ${MAX_FILE}`,
    );
  }
  return {
    clusterSize,
    batEntries,
    dataOffset,
    guest: { blockSize: clusterSize, blocks: spreadBlocks(batEntries, dataClusters) },
    fileSize,
  };
}

function header(opts: PloopOptions, layout: PloopLayout): Buffer {
  const sectors = opts.virtualSize / 512;
  const h = Buffer.alloc(HEADER);
  h.write(PLOOP_MAGIC, 0, 'latin1');
  h.writeUInt32LE(2, 16); // version
  h.writeUInt32LE(16, 20); // heads
  h.writeUInt32LE(Math.floor(sectors / 16 / 32), 24); // cylinders, as ploop and qemu fill them
  h.writeUInt32LE(layout.clusterSize / 512, 28); // "tracks": sectors per cluster
  h.writeUInt32LE(layout.batEntries, 32);
  h.writeBigUInt64LE(BigInt(sectors), 36);
  // 44 in_use 0: closed cleanly.
  h.writeUInt32LE(layout.dataOffset / 512, 48);
  // 52 flags 0, 56 ext_off 0: no format extension.
  return h;
}

/** A valid ploop image whose allocated clusters hold the seeded pattern. */
export function buildPloop(opts: PloopOptions): Buffer {
  const layout = ploopLayout(opts);
  const file = Buffer.alloc(layout.fileSize);
  header(opts, layout).copy(file, 0);
  const firstCluster = layout.dataOffset / layout.clusterSize;
  layout.guest.blocks.forEach((cluster, i) => {
    file.writeUInt32LE(firstCluster + i, HEADER + cluster * 4);
    blockData(opts.seed, layout.clusterSize, i).copy(file, layout.dataOffset + i * layout.clusterSize);
  });
  return file;
}
