// Every disk_format Glance's image schema lists, in its default order, with the generator of a small
// valid image of it and the virtual_size Glance 25.1 (Zed) reports once one is uploaded.
import { InputError } from '../../errors.js';
import { buildQcow2, qcow2Layout } from '../qcow2.js';
import { buildAki, buildAmi, buildAri } from './amazon.js';
import { type FormatOptions, type GuestMap, KiB, MiB, spreadBlocks } from './common.js';
import { buildIso } from './iso.js';
import { buildPloop, ploopLayout } from './ploop.js';
import { buildRaw, rawGuest } from './raw.js';
import { buildVdi, vdiLayout } from './vdi.js';
import { buildVhd, vhdLayout } from './vhd.js';
import { buildVhdx, vhdxLayout } from './vhdx.js';
import { buildVmdk, vmdkLayout } from './vmdk.js';

export type { FormatOptions, GuestMap } from './common.js';
export { guestBytes } from './common.js';
export {
  type UploadInspector,
  ZED_INSPECTED_FORMATS,
  ZedUploadRefused,
  zedUploadInspector,
  zedVirtualSize,
} from './zed-inspector.js';

/** Glance's default [image_format] disk_formats. */
export const DISK_FORMATS = [
  'ami',
  'ari',
  'aki',
  'vhd',
  'vhdx',
  'vmdk',
  'raw',
  'qcow2',
  'vdi',
  'iso',
  'ploop',
] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];

/**
 * How Zed sets virtual_size on upload (bare container): `declared` — the size the image's header
 * declares; `file-size` — the bytes uploaded (raw); `null` — it stays null (no inspector, or the
 * inspector does not match these bytes). `why` says which, for check messages.
 */
export interface ZedVirtualSize {
  rule: 'declared' | 'file-size' | 'null';
  why: string;
}

/** One kind of image: a disk_format, or a variant of one (another subformat of the same format). */
export interface ImageKind {
  /** The disk_format, or `<disk_format>-<variant>`. */
  name: string;
  diskFormat: DiskFormat;
  /** What the bytes are. */
  description: string;
  build(opts: FormatOptions): Buffer;
  /** Guest blocks holding data, to compare with what qemu-img reads; absent when the file is no disk (iso). */
  guest?(opts: FormatOptions): GuestMap;
  /** Used when no virtualSize is given: a small file with a few data blocks. */
  defaultVirtualSize: number;
  /** `qemu-img -f` name of the format; absent when qemu has no driver for it (iso, aki, ari, ami read as raw). */
  qemuFormat?: string;
  zed: ZedVirtualSize;
}

const DECLARED = (what: string): ZedVirtualSize => ({
  rule: 'declared',
  why: `Zed's format inspector reads it from the ${what}`,
});
const NO_INSPECTOR = (format: string): ZedVirtualSize => ({
  rule: 'null',
  why: `Zed has no format inspector for ${format}, so virtual_size stays null`,
});
const RAW_LIKE = 256 * KiB;

/** The disk_formats, in DISK_FORMATS order. */
export const IMAGE_FORMATS: Readonly<Record<DiskFormat, ImageKind>> = {
  ami: {
    name: 'ami',
    diskFormat: 'ami',
    description: 'Amazon machine image: a raw disk',
    build: buildAmi,
    defaultVirtualSize: RAW_LIKE,
    zed: NO_INSPECTOR('ami'),
  },
  ari: {
    name: 'ari',
    diskFormat: 'ari',
    description: 'Amazon ramdisk image: raw bytes',
    build: buildAri,
    defaultVirtualSize: RAW_LIKE,
    zed: NO_INSPECTOR('ari'),
  },
  aki: {
    name: 'aki',
    diskFormat: 'aki',
    description: 'Amazon kernel image: raw bytes',
    build: buildAki,
    defaultVirtualSize: RAW_LIKE,
    zed: NO_INSPECTOR('aki'),
  },
  vhd: {
    name: 'vhd',
    diskFormat: 'vhd',
    description: 'dynamic VHD: footer copy, header, BAT, 64 KiB blocks',
    build: buildVhd,
    guest: (o) => vhdLayout(o).guest,
    defaultVirtualSize: 64 * MiB,
    qemuFormat: 'vpc',
    zed: DECLARED('footer copy at the start of the file (offset 40, the original size)'),
  },
  vhdx: {
    name: 'vhdx',
    diskFormat: 'vhdx',
    description: 'dynamic VHDX: header section, log, metadata, BAT, 1 MiB blocks',
    build: buildVhdx,
    guest: (o) => vhdxLayout(o).guest,
    defaultVirtualSize: 64 * MiB,
    qemuFormat: 'vhdx',
    zed: DECLARED('Virtual Disk Size item of the metadata region'),
  },
  vmdk: {
    name: 'vmdk',
    diskFormat: 'vmdk',
    description: 'monolithicSparse VMDK: header, descriptor, grain tables, 64 KiB grains',
    build: buildVmdk,
    guest: (o) => vmdkLayout(o).guest,
    defaultVirtualSize: 64 * MiB,
    qemuFormat: 'vmdk',
    zed: DECLARED('header capacity, for a monolithicSparse or streamOptimized descriptor'),
  },
  raw: {
    name: 'raw',
    diskFormat: 'raw',
    description: 'raw disk: the seeded pattern',
    build: buildRaw,
    guest: rawGuest,
    // An odd size, so a body cut at a chunk boundary shows.
    defaultVirtualSize: MiB + 4097,
    qemuFormat: 'raw',
    zed: { rule: 'file-size', why: "Zed's raw inspector counts the bytes uploaded" },
  },
  qcow2: {
    name: 'qcow2',
    diskFormat: 'qcow2',
    description: 'qcow2 v3: header, L1/L2 and refcount tables, 64 KiB clusters',
    build: (o) => buildQcow2({ virtualSize: o.virtualSize, ...(o.seed !== undefined && { seed: o.seed }) }),
    guest: (o) => qcow2Guest(o),
    defaultVirtualSize: 64 * MiB,
    qemuFormat: 'qcow2',
    zed: DECLARED('qcow2 header (offset 24)'),
  },
  vdi: {
    name: 'vdi',
    diskFormat: 'vdi',
    description: 'dynamic VDI: header, block map, 1 MiB blocks',
    build: buildVdi,
    guest: (o) => vdiLayout(o).guest,
    defaultVirtualSize: 64 * MiB,
    qemuFormat: 'vdi',
    zed: DECLARED('VDI header (offset 0x170)'),
  },
  iso: {
    name: 'iso',
    diskFormat: 'iso',
    description: 'ISO 9660 volume holding DATA.BIN',
    build: buildIso,
    defaultVirtualSize: 64 * KiB,
    zed: NO_INSPECTOR('iso'),
  },
  ploop: {
    name: 'ploop',
    diskFormat: 'ploop',
    description: 'ploop v2: header, BAT, 64 KiB clusters',
    build: buildPloop,
    guest: (o) => ploopLayout(o).guest,
    defaultVirtualSize: 64 * MiB,
    qemuFormat: 'parallels',
    zed: NO_INSPECTOR('ploop'),
  },
};

function qcow2Guest(o: FormatOptions): GuestMap {
  const layout = qcow2Layout({ virtualSize: o.virtualSize });
  return { blockSize: layout.clusterSize, blocks: spreadBlocks(layout.guestClusters, layout.dataClusters) };
}

/** Other subformats of a disk_format, each with what Zed makes of it. */
export const IMAGE_VARIANTS: readonly ImageKind[] = [
  {
    name: 'vhd-fixed',
    diskFormat: 'vhd',
    description: 'fixed VHD: the raw disk, then the footer',
    build: (o) => buildVhd({ ...o, type: 'fixed' }),
    guest: (o) => vhdLayout({ ...o, type: 'fixed' }).guest,
    defaultVirtualSize: 4 * MiB,
    qemuFormat: 'vpc',
    zed: {
      rule: 'null',
      why: "Zed's VHD inspector looks for the footer at the start of the file; a fixed VHD has it only at the end",
    },
  },
  {
    name: 'vmdk-stream-optimized',
    diskFormat: 'vmdk',
    description: 'streamOptimized VMDK, grain directory in the header (as qemu-img writes it)',
    build: (o) => buildVmdk({ ...o, subformat: 'streamOptimized' }),
    guest: (o) => vmdkLayout({ ...o, subformat: 'streamOptimized' }).guest,
    defaultVirtualSize: 64 * MiB,
    qemuFormat: 'vmdk',
    zed: DECLARED('header capacity, for a monolithicSparse or streamOptimized descriptor'),
  },
  {
    name: 'vmdk-stream-optimized-footer',
    diskFormat: 'vmdk',
    description: 'streamOptimized VMDK, grain directory in a footer (as VMware exports it)',
    build: (o) => buildVmdk({ ...o, subformat: 'streamOptimized', footer: true }),
    guest: (o) => vmdkLayout({ ...o, subformat: 'streamOptimized', footer: true }).guest,
    defaultVirtualSize: 64 * MiB,
    qemuFormat: 'vmdk',
    zed: {
      rule: 'null',
      why: 'Zed\'s VMDK inspector stops at a header whose gdOffset says GD_AT_END ("Unsupported VMDK footer")',
    },
  },
];

/** A built image and the virtual_size Zed reports for it. */
export interface BuiltImage {
  kind: string;
  diskFormat: DiskFormat;
  bytes: Buffer;
  /** The guest disk size the image declares (raw-like formats and iso: the file size). */
  virtualSize: number;
  /** virtual_size after an upload to Zed with container_format bare. */
  zedVirtualSize: number | null;
}

/** The disk_format or variant called `name`; InputError naming the known ones otherwise. */
export function imageKind(name: string): ImageKind {
  const kind = (DISK_FORMATS as readonly string[]).includes(name)
    ? IMAGE_FORMATS[name as DiskFormat]
    : IMAGE_VARIANTS.find((v) => v.name === name);
  if (!kind) {
    const known = [...DISK_FORMATS, ...IMAGE_VARIANTS.map((v) => v.name)].join(', ');
    throw new InputError(`Unknown image kind ${name} (known: ${known})`);
  }
  return kind;
}

/** Builds an image of `kind` (default virtual size and seed unless given). */
export function buildImage(kind: ImageKind, opts: Partial<FormatOptions> = {}): BuiltImage {
  const virtualSize = opts.virtualSize ?? kind.defaultVirtualSize;
  const bytes = kind.build({ virtualSize, ...(opts.seed !== undefined && { seed: opts.seed }) });
  const zedVirtualSize =
    kind.zed.rule === 'declared' ? virtualSize : kind.zed.rule === 'file-size' ? bytes.length : null;
  return { kind: kind.name, diskFormat: kind.diskFormat, bytes, virtualSize, zedVirtualSize };
}
