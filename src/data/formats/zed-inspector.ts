// virtual_size as Glance 25.1 (Zed, Debian 2:25.1.0-2+deb12u5) computes it on upload: a port of
// glance/common/format_inspector.py as glance/location.py set_data uses it. The inspector of the
// image's disk_format reads the body as the store reads it (64 KiB at a time), and only for a bare
// container; when it matches and finds a non-zero size, that is virtual_size, else it stays null.
// raw counts the bytes; qcow2, vhd, vhdx, vmdk and vdi read their headers; iso, ploop, aki, ari and
// ami have no inspector. An inspector that raises stops reading (InfoWrapper) but the upload goes on.

/** Glance's filesystem store reads the body in chunks of this size (WRITE_CHUNKSIZE). */
const STORE_CHUNK = 64 * 1024;
const VMDK_DESC_OFFSET = 0x200;
const VMDK_DESC_MAX = (1 << 20) - 1;
const VMDK_GD_AT_END = 0xffff_ffff_ffff_ffffn;
const VHDX_METAREGION = '8B7CA206-4790-4B9A-B8FE-575F050F886E';
const VHDX_VIRTUAL_DISK_SIZE = '2FA54224-CD1B-4876-B211-5DBED83BF4B8';
const VHDX_METADATA_TABLE_MAX = 32 * 2048;

/** A byte range of the file to keep, filled from the chunks that cover it (CaptureRegion). */
class Region {
  data = Buffer.alloc(0);

  constructor(
    readonly offset: number,
    public length: number,
  ) {}

  get complete(): boolean {
    return this.data.length === this.length;
  }

  /** `position` is the file offset just after `chunk`. */
  capture(chunk: Buffer, position: number): void {
    const start = position - chunk.length;
    if (
      (start <= this.offset && this.offset <= position) ||
      (this.offset <= start && start <= this.offset + this.length)
    ) {
      const lead = start < this.offset ? this.offset - start : 0;
      this.data = Buffer.concat([this.data, chunk.subarray(lead)]).subarray(0, this.length);
    }
  }
}

class FormatError extends Error {}

/**
 * A ValueError out of set_data: Zed answers the upload 400 with this message (e.g. "subsection not
 * found" for a VMDK descriptor without createType) and the image goes back to queued.
 */
export class ZedUploadRefused extends Error {
  override name = 'ZedUploadRefused';
}

/** One format's reading: regions to keep, what to do after each chunk, and the size it finds. */
abstract class Inspector {
  protected total = 0;
  protected readonly regions = new Map<string, Region>();

  /** FileInspector.eat_chunk. */
  eat(chunk: Buffer): void {
    const before = new Set(this.regions.keys());
    this.total += chunk.length;
    for (const region of this.regions.values()) if (!region.complete) region.capture(chunk, this.total);
    this.postProcess();
    for (const [name, region] of this.regions) {
      if (!before.has(name) && !region.complete) region.capture(chunk, this.total);
    }
  }

  protected postProcess(): void {}

  /** Every region kept (Glance's `complete`): later bytes can no longer change the answer. */
  get settled(): boolean {
    return [...this.regions.values()].every((r) => r.complete);
  }

  protected region(name: string): Region | undefined {
    return this.regions.get(name);
  }

  protected header(): Buffer | undefined {
    const r = this.region('header');
    return r?.complete ? r.data : undefined;
  }

  /** Whether the bytes look like the format (format_match). */
  abstract get matches(): boolean;
  /** The size found, 0 when unknown. */
  abstract get size(): number;
}

class RawInspector extends Inspector {
  get matches(): boolean {
    return true;
  }
  get size(): number {
    return this.total;
  }
}

class Qcow2Inspector extends Inspector {
  constructor() {
    super();
    this.regions.set('header', new Region(0, 512));
  }
  get matches(): boolean {
    return this.header()?.readUInt32BE(0) === 0x514649fb;
  }
  get size(): number {
    const h = this.header();
    return h && this.matches ? safe(h.readBigUInt64BE(24)) : 0;
  }
}

class VhdInspector extends Inspector {
  constructor() {
    super();
    this.regions.set('header', new Region(0, 512));
  }
  get matches(): boolean {
    return this.region('header')?.data.subarray(0, 8).toString('latin1') === 'conectix';
  }
  /** Offset 40 is the footer's original size, even when the current size (48, what qemu reads) differs: seen on the lab. */
  get size(): number {
    const h = this.header();
    return h && this.matches ? safe(h.readBigUInt64BE(40)) : 0;
  }
}

class VdiInspector extends Inspector {
  constructor() {
    super();
    this.regions.set('header', new Region(0, 512));
  }
  get matches(): boolean {
    return this.header()?.readUInt32LE(0x40) === 0xbeda107f;
  }
  get size(): number {
    const h = this.header();
    return h && this.matches ? safe(h.readBigUInt64LE(0x170)) : 0;
  }
}

class VmdkInspector extends Inspector {
  constructor() {
    super();
    this.regions.set('header', new Region(0, 512));
  }

  protected override postProcess(): void {
    const h = this.header();
    if (!h) return;
    if (h.subarray(0, 4).toString('latin1') !== 'KDMV') throw new FormatError('Signature KDMV not found');
    const version = h.readUInt32LE(4);
    if (version < 1 || version > 3) throw new FormatError(`Unsupported format version ${version}`);
    if (h.readBigUInt64LE(56) === VMDK_GD_AT_END) throw new FormatError('Unsupported VMDK footer');
    const descOffset = Number(h.readBigUInt64LE(28)) * 512;
    const descSize = Math.min(Number(h.readBigUInt64LE(36)) * 512, VMDK_DESC_MAX);
    if (descOffset !== VMDK_DESC_OFFSET) throw new FormatError('Wrong descriptor location');
    if (!this.regions.has('descriptor')) this.regions.set('descriptor', new Region(descOffset, descSize));
  }

  get matches(): boolean {
    return this.region('header')?.data.subarray(0, 4).toString('latin1') === 'KDMV';
  }

  /** Only the monolithicSparse and streamOptimized create types have a size. */
  get size(): number {
    const desc = this.region('descriptor');
    const h = this.header();
    if (!desc?.complete || !h) return 0;
    const text = desc.data.toString('latin1');
    const key = 'createType="';
    const at = text.indexOf(key);
    // Zed's bytes.index raises ValueError out of set_data (checked on the lab: 400, image queued).
    if (at < 0) throw new ZedUploadRefused('subsection not found');
    const end = text.indexOf('"', at + key.length);
    const type = end - (at + key.length) < 64 ? text.slice(at + key.length, end) : '';
    if (type !== 'monolithicSparse' && type !== 'streamOptimized') return 0;
    return safe(h.readBigUInt64LE(12) * 512n);
  }
}

/** The mixed-endian GUID text of 16 bytes, as VHDXInspector._guid prints it. */
function guid(b: Buffer): string {
  const hex = (x: Buffer) => x.toString('hex').toUpperCase();
  const le = (x: Buffer) => hex(Buffer.from(x).reverse());
  return `${le(b.subarray(0, 4))}-${le(b.subarray(4, 6))}-${le(b.subarray(6, 8))}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`;
}

class VhdxInspector extends Inspector {
  constructor() {
    super();
    this.regions.set('ident', new Region(0, 32));
    this.regions.set('header', new Region(192 * 1024, 64 * 1024));
  }

  protected override postProcess(): void {
    const header = this.header();
    if (header && !this.regions.has('metadata')) {
      const region = findMetaRegion(header);
      if (region) this.regions.set('metadata', region);
    } else if (this.regions.has('metadata') && !this.regions.has('vds')) {
      const region = this.findVirtualDiskSize();
      if (region) this.regions.set('vds', region);
    }
  }

  private findVirtualDiskSize(): Region | undefined {
    const meta = this.region('metadata');
    if (!meta || meta.data.length < 32) return undefined;
    if (meta.data.subarray(0, 8).toString('latin1') !== 'metadata') {
      throw new FormatError('Invalid signature for metadata region');
    }
    const count = meta.data.readUInt16LE(10);
    if (meta.data.length < 32 + count * 32) return undefined;
    if (count >= 2048) throw new FormatError(`Metadata item count is ${count} (limit 2047)`);
    for (let i = 0; i < count; i++) {
      const at = 32 + i * 32;
      if (guid(meta.data.subarray(at, at + 16)) !== VHDX_VIRTUAL_DISK_SIZE) continue;
      const offset = meta.data.readUInt32LE(at + 16);
      const length = Math.min(meta.data.readUInt32LE(at + 20), VHDX_METADATA_TABLE_MAX);
      meta.length = meta.data.length;
      return new Region(meta.offset + offset, length);
    }
    return undefined;
  }

  get matches(): boolean {
    return this.region('ident')?.data.subarray(0, 8).toString('latin1') === 'vhdxfile';
  }

  get size(): number {
    const vds = this.region('vds');
    return vds?.complete && vds.length === 8 ? safe(vds.data.readBigUInt64LE(0)) : 0;
  }
}

function findMetaRegion(table: Buffer): Region | undefined {
  if (table.readUInt32LE(0) !== 0x69676572) throw new FormatError('Region signature not found');
  const count = table.readUInt32LE(8);
  if (count >= 2048) throw new FormatError(`Region count is ${count} (limit 2047)`);
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 32;
    if (guid(table.subarray(at, at + 16)) === VHDX_METAREGION) {
      return new Region(safe(table.readBigUInt64LE(at + 16)), VHDX_METADATA_TABLE_MAX);
    }
  }
  return undefined;
}

function safe(n: bigint): number {
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/** The disk formats Zed has an inspector for (format_inspector.ALL_FORMATS, qed aside). */
const INSPECTORS: Readonly<Record<string, () => Inspector>> = {
  raw: () => new RawInspector(),
  qcow2: () => new Qcow2Inspector(),
  vhd: () => new VhdInspector(),
  vhdx: () => new VhdxInspector(),
  vmdk: () => new VmdkInspector(),
  vdi: () => new VdiInspector(),
};

/** Disk formats whose virtual_size Zed computes on upload. */
export const ZED_INSPECTED_FORMATS: readonly string[] = Object.keys(INSPECTORS);

/** Feed it the body as it streams, then ask for the virtual_size Zed would store. */
export interface UploadInspector {
  /** Takes the next bytes of the body, in any chunking. */
  write(chunk: Buffer): void;
  /** virtual_size once the body has ended: the size found, or null; throws ZedUploadRefused as Zed raises. */
  virtualSize(): number | null;
}

/** InfoWrapper over 64 KiB store reads: stops at the first error, and once nothing more can change. */
class StoreReadInspector implements UploadInspector {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed = false;

  constructor(
    private readonly inspector: Inspector,
    private readonly countsBytes: boolean,
  ) {}

  write(chunk: Buffer): void {
    if (this.failed) return;
    if (this.countsBytes) {
      this.inspector.eat(chunk); // raw only counts: chunking cannot change the answer
      return;
    }
    if (this.inspector.settled) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= STORE_CHUNK && !this.failed) this.feed(STORE_CHUNK);
  }

  virtualSize(): number | null {
    if (this.pendingBytes > 0 && !this.failed) this.feed(this.pendingBytes);
    return this.inspector.matches && this.inspector.size > 0 ? this.inspector.size : null;
  }

  private feed(bytes: number): void {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = bytes < all.length ? [all.subarray(bytes)] : [];
    this.pendingBytes = all.length - bytes;
    try {
      this.inspector.eat(all.subarray(0, bytes));
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      this.failed = true;
      this.pending = [];
      this.pendingBytes = 0;
    }
  }
}

/**
 * The inspector Zed runs on an upload of this disk_format and container_format, or undefined when it
 * runs none (another container than bare, or a format without an inspector): virtual_size stays null.
 */
export function zedUploadInspector(
  diskFormat: string | null,
  containerFormat: string | null,
): UploadInspector | undefined {
  const make = diskFormat === null ? undefined : INSPECTORS[diskFormat];
  if (!make || containerFormat !== 'bare') return undefined;
  return new StoreReadInspector(make(), diskFormat === 'raw');
}

/** virtual_size Zed stores for an upload of `bytes` (in-memory convenience over zedUploadInspector). */
export function zedVirtualSize(
  diskFormat: string | null,
  containerFormat: string | null,
  bytes: Buffer,
): number | null {
  const inspector = zedUploadInspector(diskFormat, containerFormat);
  if (!inspector) return null;
  inspector.write(bytes);
  return inspector.virtualSize();
}
