/**
 * Inert image shapes from OSSA-2024-001 / CVE-2024-32498: disk images whose headers make a
 * consumer (qemu-img, nova, cinder) open a host file such as /etc/passwd. Nothing in them is
 * harmful by itself; they only name the file. Built in memory, a few KiB each.
 */
import { randomBytes } from 'node:crypto';
import { buildQcow2 } from './qcow2.js';

/** An image to upload, with the disk_format it claims and the advisory it stands for. */
export interface SecurityShape {
  name: string;
  diskFormat: 'qcow2' | 'vmdk' | 'raw';
  advisory: string;
  description: string;
  bytes: Buffer;
}

/** The host file every shape points at. */
export const HOST_FILE = '/etc/passwd';

const QCOW2_VIRTUAL_SIZE = 1 << 20;
/** qcow2 incompatible feature bit 2: the guest data lives in an external file (data-file). */
const QCOW2_INCOMPAT_DATA_FILE = 1n << 2n;
/** qcow2 header extension "DATA": the external data file's name. */
const QCOW2_EXT_DATA_FILE = 0x44415441;
const QCOW2_HEADER_V3_LENGTH = 104;

function baseQcow2(): Buffer {
  return buildQcow2({ virtualSize: QCOW2_VIRTUAL_SIZE, dataClusters: 1 });
}

/** qcow2 whose backing_file_offset/size name the host file. */
export function qcow2BackingFile(path = HOST_FILE): Buffer {
  const img = baseQcow2();
  const at = 512;
  img.write(path, at, 'ascii');
  img.writeBigUInt64BE(BigInt(at), 8);
  img.writeUInt32BE(Buffer.byteLength(path), 16);
  return img;
}

/** qcow2 with the external data-file feature bit and a "DATA" header extension naming the host file. */
export function qcow2DataFile(path = HOST_FILE): Buffer {
  const img = baseQcow2();
  const incompat = img.readBigUInt64BE(72) | QCOW2_INCOMPAT_DATA_FILE;
  img.writeBigUInt64BE(incompat, 72);
  let at = QCOW2_HEADER_V3_LENGTH;
  const len = Buffer.byteLength(path);
  img.writeUInt32BE(QCOW2_EXT_DATA_FILE, at);
  img.writeUInt32BE(len, at + 4);
  img.write(path, at + 8, 'ascii');
  at += 8 + Math.ceil(len / 8) * 8;
  img.fill(0, at, at + 8); // end of header extensions
  return img;
}

function vmdkDescriptor(createType: string, path: string): string {
  return [
    '# Disk DescriptorFile',
    'version=1',
    'CID=fffffffe',
    'parentCID=ffffffff',
    `createType="${createType}"`,
    '',
    '# Extent description',
    `RW 2048 FLAT "${path}" 0`,
    '',
    '# The Disk Data Base',
    '#DDB',
    'ddb.virtualHWVersion = "4"',
    'ddb.adapterType = "ide"',
    '',
  ].join('\n');
}

/** A monolithicFlat VMDK descriptor (text) whose only extent is the host file. */
export function vmdkFlatDescriptor(path = HOST_FILE): Buffer {
  return Buffer.from(vmdkDescriptor('monolithicFlat', path), 'ascii');
}

/**
 * A sparse VMDK ("KDMV" header) whose embedded descriptor declares monolithicFlat with a FLAT
 * extent on the host file: it looks like a VMDK to a magic check, the descriptor is the payload.
 */
export function vmdkSparseWithFlatExtent(path = HOST_FILE): Buffer {
  const sectors = 8;
  const img = Buffer.alloc(sectors * 512);
  img.write('KDMV', 0, 'ascii');
  img.writeUInt32LE(1, 4); // version
  img.writeUInt32LE(3, 8); // flags: valid newline test, redundant grain table
  img.writeBigUInt64LE(2048n, 12); // capacity in sectors
  img.writeBigUInt64LE(128n, 20); // grain size
  img.writeBigUInt64LE(1n, 28); // descriptor offset (sectors)
  img.writeBigUInt64LE(BigInt(sectors - 1), 36); // descriptor size (sectors)
  img.writeUInt32LE(512, 44); // grain table entries
  img.writeUInt8(0x0a, 73);
  img.writeUInt8(0x20, 74);
  img.writeUInt8(0x0d, 75);
  img.writeUInt8(0x0a, 76);
  img.write(vmdkDescriptor('monolithicFlat', path), 512, 'ascii');
  return img;
}

/** Every OSSA-2024-001 shape that applies to an upload, in a stable order. */
export function ossa2024001Shapes(): SecurityShape[] {
  const advisory = 'OSSA-2024-001 / CVE-2024-32498';
  return [
    {
      name: 'qcow2-data-file',
      diskFormat: 'qcow2',
      advisory,
      description: `qcow2 with an external data-file (incompatible bit 2, "DATA" extension) naming ${HOST_FILE}`,
      bytes: qcow2DataFile(),
    },
    {
      name: 'qcow2-backing-file',
      diskFormat: 'qcow2',
      advisory,
      description: `qcow2 whose backing file is ${HOST_FILE}`,
      bytes: qcow2BackingFile(),
    },
    {
      name: 'vmdk-flat-descriptor',
      diskFormat: 'vmdk',
      advisory,
      description: `monolithicFlat VMDK descriptor with the extent RW 2048 FLAT "${HOST_FILE}" 0`,
      bytes: vmdkFlatDescriptor(),
    },
    {
      name: 'vmdk-sparse-flat-extent',
      diskFormat: 'vmdk',
      advisory,
      description: `sparse VMDK whose embedded descriptor is monolithicFlat with a FLAT extent on ${HOST_FILE}`,
      bytes: vmdkSparseWithFlatExtent(),
    },
  ];
}

/** Random bytes (no format's magic), to claim as qcow2. */
export function mismatchedBytes(size = 64 * 1024): Buffer {
  const b = randomBytes(size);
  b.write('NOTQCOW2', 0, 'ascii');
  return b;
}
