// ISO 9660 (ECMA-119) with one file: 16 empty system-area sectors, the primary volume descriptor
// (sector 16, "CD001"), the set terminator, the little- and big-endian path tables, the root
// directory, then DATA.BIN (the seeded pattern), zero-padded to the volume size. 2048-byte sectors.
import { InputError } from '../../errors.js';
import { DEFAULT_SEED, ImagePattern } from '../raw.js';
import { checkVirtualSize, type FormatOptions, MiB } from './common.js';

export interface IsoOptions extends FormatOptions {
  /** Bytes of DATA.BIN. Default min(16 KiB, the room the volume leaves). */
  fileBytes?: number;
  /** Volume identifier, d-characters (A-Z, 0-9, _), at most 32. Default GLANCE_HARNESS. */
  volumeId?: string;
}

export interface IsoLayout {
  sectors: number;
  fileSector: number;
  /** DATA.BIN holds the first fileBytes of the seeded pattern. */
  fileBytes: number;
}

export const ISO_SECTOR = 2048;
export const ISO_PVD_SECTOR = 16;
export const ISO_FILE_NAME = 'DATA.BIN;1';
const TERMINATOR_SECTOR = 17;
const L_PATH_SECTOR = 18;
const M_PATH_SECTOR = 19;
const ROOT_SECTOR = 20;
const FILE_SECTOR = 21;
const PATH_TABLE_BYTES = 10;
const MAX_VOLUME = 64 * MiB;
/** 2024-01-01 00:00:00 UTC, for every date in the volume, so equal seeds give equal files. */
const DATE = { year: 2024, month: 1, day: 1 };

/** Validates the options and places DATA.BIN. */
export function isoLayout(opts: IsoOptions): IsoLayout {
  checkVirtualSize('iso', opts.virtualSize, ISO_SECTOR, MAX_VOLUME);
  const sectors = opts.virtualSize / ISO_SECTOR;
  const room = (sectors - FILE_SECTOR) * ISO_SECTOR;
  if (room < 0) {
    throw new InputError(
      `iso virtualSize must be at least ${FILE_SECTOR * ISO_SECTOR} bytes (got ${opts.virtualSize})`,
    );
  }
  const fileBytes = opts.fileBytes ?? Math.min(16 * 1024, room);
  if (!Number.isSafeInteger(fileBytes) || fileBytes < 0 || fileBytes > room) {
    throw new InputError(
      `iso fileBytes must be an integer from 0 to ${room} for this virtualSize (got ${fileBytes})`,
    );
  }
  const volumeId = opts.volumeId ?? 'GLANCE_HARNESS';
  if (!/^[A-Z0-9_]{0,32}$/.test(volumeId)) {
    throw new InputError(`iso volumeId must be up to 32 of A-Z, 0-9 and _ (got ${volumeId})`);
  }
  return {
    sectors,
    fileSector: FILE_SECTOR,
    fileBytes,
  };
}

/** Writes a 32-bit value both-endian (LSB then MSB), as ECMA-119 7.3.3 wants. */
function both32(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32LE(value, at);
  buf.writeUInt32BE(value, at + 4);
}

function both16(buf: Buffer, at: number, value: number): void {
  buf.writeUInt16LE(value, at);
  buf.writeUInt16BE(value, at + 2);
}

/** A directory record (ECMA-119 9.1); the identifier is padded to an even record length. */
function directoryRecord(id: Buffer, sector: number, bytes: number, directory: boolean): Buffer {
  const length = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
  const r = Buffer.alloc(length);
  r.writeUInt8(length, 0);
  both32(r, 2, sector);
  both32(r, 10, bytes);
  r.writeUInt8(DATE.year - 1900, 18);
  r.writeUInt8(DATE.month, 19);
  r.writeUInt8(DATE.day, 20);
  r.writeUInt8(directory ? 2 : 0, 25);
  both16(r, 28, 1); // volume sequence number
  r.writeUInt8(id.length, 32);
  id.copy(r, 33);
  return r;
}

/** A 17-byte volume date-time (ECMA-119 8.4.26.1): digits, hundredths, then the GMT offset 0. */
function volumeDate(): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DATE.year}${pad(DATE.month)}${pad(DATE.day)}00000000`;
}

function primaryVolumeDescriptor(layout: IsoLayout, volumeId: string): Buffer {
  const d = Buffer.alloc(ISO_SECTOR, 0);
  d.writeUInt8(1, 0);
  d.write('CD001', 1, 'latin1');
  d.writeUInt8(1, 6);
  d.write(''.padEnd(32), 8, 'latin1'); // system identifier
  d.write(volumeId.padEnd(32), 40, 'latin1');
  both32(d, 80, layout.sectors);
  both16(d, 120, 1); // volume set size
  both16(d, 124, 1); // volume sequence number
  both16(d, 128, ISO_SECTOR);
  both32(d, 132, PATH_TABLE_BYTES);
  d.writeUInt32LE(L_PATH_SECTOR, 140);
  d.writeUInt32BE(M_PATH_SECTOR, 148);
  directoryRecord(Buffer.from([0]), ROOT_SECTOR, ISO_SECTOR, true).copy(d, 156);
  d.write(''.padEnd(128 * 3), 190, 'latin1'); // volume set, publisher, data preparer
  d.write('GLANCE-HARNESS'.padEnd(128), 574, 'latin1'); // application
  d.write(''.padEnd(37 * 3), 702, 'latin1'); // copyright, abstract, bibliographic files
  const date = volumeDate();
  d.write(date, 813, 'latin1'); // creation
  d.write(date, 830, 'latin1'); // modification
  d.write('0000000000000000', 847, 'latin1'); // expiration: not specified
  d.write(date, 864, 'latin1'); // effective
  d.writeUInt8(1, 881); // file structure version
  return d;
}

function terminator(): Buffer {
  const d = Buffer.alloc(ISO_SECTOR);
  d.writeUInt8(255, 0);
  d.write('CD001', 1, 'latin1');
  d.writeUInt8(1, 6);
  return d;
}

/** The one-entry path table (the root), little- or big-endian. */
function pathTable(bigEndian: boolean): Buffer {
  const t = Buffer.alloc(ISO_SECTOR);
  t.writeUInt8(1, 0); // identifier length
  if (bigEndian) t.writeUInt32BE(ROOT_SECTOR, 2);
  else t.writeUInt32LE(ROOT_SECTOR, 2);
  if (bigEndian) t.writeUInt16BE(1, 6);
  else t.writeUInt16LE(1, 6); // parent: the root itself
  return t;
}

function rootDirectory(layout: IsoLayout): Buffer {
  const records = [
    directoryRecord(Buffer.from([0]), ROOT_SECTOR, ISO_SECTOR, true),
    directoryRecord(Buffer.from([1]), ROOT_SECTOR, ISO_SECTOR, true),
    directoryRecord(Buffer.from(ISO_FILE_NAME, 'latin1'), layout.fileSector, layout.fileBytes, false),
  ];
  const d = Buffer.alloc(ISO_SECTOR);
  Buffer.concat(records).copy(d);
  return d;
}

/** A valid ISO 9660 volume of `virtualSize` bytes holding DATA.BIN (the seeded pattern). */
export function buildIso(opts: IsoOptions): Buffer {
  const layout = isoLayout(opts);
  const volume = Buffer.alloc(opts.virtualSize);
  primaryVolumeDescriptor(layout, opts.volumeId ?? 'GLANCE_HARNESS').copy(
    volume,
    ISO_PVD_SECTOR * ISO_SECTOR,
  );
  terminator().copy(volume, TERMINATOR_SECTOR * ISO_SECTOR);
  pathTable(false).copy(volume, L_PATH_SECTOR * ISO_SECTOR);
  pathTable(true).copy(volume, M_PATH_SECTOR * ISO_SECTOR);
  rootDirectory(layout).copy(volume, ROOT_SECTOR * ISO_SECTOR);
  new ImagePattern(opts.seed ?? DEFAULT_SEED).fill(
    volume.subarray(layout.fileSector * ISO_SECTOR, layout.fileSector * ISO_SECTOR + layout.fileBytes),
    0,
  );
  return volume;
}
