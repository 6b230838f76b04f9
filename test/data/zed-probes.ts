// The virtual_size probes: generated images uploaded to a Glance, and what the real Glance 25.1 lab
// (Debian 2:25.1.0-2+deb12u5, file store) reported for each. formats.lab.test.ts replays them on the
// lab; zed-virtual-size.test.ts holds the registry and the embedded reference to the same values.
import { buildImage, imageKind } from '../../src/data/formats/index.js';

export interface ZedProbe {
  /** The image is named `fmt-probe-<name>`. */
  name: string;
  /** A disk_format or variant of src/data/formats, or one of the hand-made EDGES. */
  kind: string;
  containerFormat: 'bare' | 'ovf';
  /** upload: PUT …/file; glance-direct: PUT …/stage, then POST …/import. */
  via: 'upload' | 'glance-direct';
  /** What the lab answered the PUT (file or stage), and the image's status, size and virtual_size after. */
  lab: { answer: 204 | 400; status: 'active' | 'queued'; size: number | null; virtualSize: number | null };
}

const SEED = 'fmt-probe';

/** Captured on the lab on 2026-12-04 (formats.lab.test.ts, every probe created, shown and deleted). */
export const ZED_PROBES: readonly ZedProbe[] = [
  {
    name: 'ami',
    kind: 'ami',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 262144, virtualSize: null },
  },
  {
    name: 'ari',
    kind: 'ari',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 262144, virtualSize: null },
  },
  {
    name: 'aki',
    kind: 'aki',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 262144, virtualSize: null },
  },
  {
    name: 'vhd',
    kind: 'vhd',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 270336, virtualSize: 67108864 },
  },
  {
    name: 'vhdx',
    kind: 'vhdx',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 6291456, virtualSize: 67108864 },
  },
  {
    name: 'vmdk',
    kind: 'vmdk',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 327680, virtualSize: 67108864 },
  },
  {
    name: 'raw',
    kind: 'raw',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 1052673, virtualSize: 1052673 },
  },
  {
    name: 'qcow2',
    kind: 'qcow2',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 1376256, virtualSize: 67108864 },
  },
  {
    name: 'vdi',
    kind: 'vdi',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 2098176, virtualSize: 67108864 },
  },
  {
    name: 'iso',
    kind: 'iso',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 65536, virtualSize: null },
  },
  {
    name: 'ploop',
    kind: 'ploop',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 327680, virtualSize: null },
  },
  {
    name: 'vhd-fixed',
    kind: 'vhd-fixed',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 4194816, virtualSize: null },
  },
  {
    name: 'vmdk-stream-optimized',
    kind: 'vmdk-stream-optimized',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 330240, virtualSize: 67108864 },
  },
  {
    name: 'vmdk-stream-optimized-footer',
    kind: 'vmdk-stream-optimized-footer',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 337408, virtualSize: null },
  },
  {
    name: 'qcow2-ovf',
    kind: 'qcow2',
    containerFormat: 'ovf',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 1376256, virtualSize: null },
  },
  {
    name: 'raw-empty',
    kind: 'raw-empty',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 0, virtualSize: null },
  },
  {
    name: 'vhdx-import',
    kind: 'vhdx',
    containerFormat: 'bare',
    via: 'glance-direct',
    lab: { answer: 204, status: 'active', size: 6291456, virtualSize: 67108864 },
  },
  {
    name: 'vhd-sizes-differ',
    kind: 'vhd-sizes-differ',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 204, status: 'active', size: 270336, virtualSize: 67108864 },
  },
  {
    name: 'vmdk-no-create-type',
    kind: 'vmdk-no-create-type',
    containerFormat: 'bare',
    via: 'upload',
    lab: { answer: 400, status: 'queued', size: null, virtualSize: null },
  },
];

/** The VHD footer (at 0 and at the end) with its checksum recomputed after an edit. */
function resealVhdFooters(vhd: Buffer, edit: (footer: Buffer) => void): Buffer {
  for (const at of [0, vhd.length - 512]) {
    const footer = vhd.subarray(at, at + 512);
    edit(footer);
    footer.writeUInt32BE(0, 64);
    let sum = 0;
    for (const b of footer) sum += b;
    footer.writeUInt32BE(~sum >>> 0, 64);
  }
  return vhd;
}

/** Hand-made edge cases, each a fact about Zed's inspector the lab confirmed. */
const EDGES: Record<string, () => { diskFormat: string; bytes: Buffer }> = {
  // Zed's raw inspector finds size 0, which is no size: virtual_size stays null.
  'raw-empty': () => ({ diskFormat: 'raw', bytes: Buffer.alloc(0) }),
  // Original size (offset 40) 64 MiB, current size (48) 32 MiB: Zed reads offset 40, qemu 48.
  'vhd-sizes-differ': () => ({
    diskFormat: 'vhd',
    bytes: resealVhdFooters(buildImage(imageKind('vhd'), { seed: SEED }).bytes, (f) => {
      f.writeBigUInt64BE(BigInt(32 * 2 ** 20), 48);
    }),
  }),
  // A descriptor without createType: Zed's bytes.index raises ValueError, the upload answers 400.
  'vmdk-no-create-type': () => {
    const bytes = buildImage(imageKind('vmdk'), { seed: SEED }).bytes;
    const descriptor = bytes.subarray(512, 512 + 20 * 512);
    const text = descriptor.toString('latin1').replace('createType="monolithicSparse"\n', '');
    descriptor.fill(0);
    descriptor.write(text, 0, 'latin1');
    return { diskFormat: 'vmdk', bytes };
  },
};

/** The probe's bytes and disk_format. */
export function probeImage(probe: ZedProbe): { diskFormat: string; bytes: Buffer } {
  const edge = EDGES[probe.kind];
  if (edge) return edge();
  const image = buildImage(imageKind(probe.kind), { seed: SEED });
  return { diskFormat: image.diskFormat, bytes: image.bytes };
}

/**
 * The virtual_size the registry states for a probe of a registry kind (null off a bare container);
 * undefined for the hand-made edges, which only the reference and the lab are held to.
 */
export function registryVirtualSize(probe: ZedProbe): number | null | undefined {
  if (EDGES[probe.kind]) return undefined;
  if (probe.containerFormat !== 'bare') return null;
  return buildImage(imageKind(probe.kind), { seed: SEED }).zedVirtualSize;
}
