import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildImage,
  DISK_FORMATS,
  guestBytes,
  IMAGE_FORMATS,
  IMAGE_VARIANTS,
  type ImageKind,
  imageKind,
  ZED_INSPECTED_FORMATS,
  zedUploadInspector,
  zedVirtualSize,
} from '../../src/data/formats/index.js';
import { buildIso } from '../../src/data/formats/iso.js';
import { buildVhd } from '../../src/data/formats/vhd.js';
import { buildVhdx, vhdxLayout } from '../../src/data/formats/vhdx.js';
import { buildVmdk } from '../../src/data/formats/vmdk.js';
import { ImagePattern } from '../../src/data/index.js';
import { InputError } from '../../src/errors.js';
import { hasQemuImg, qemuImg, qemuImgJson } from './qemu.js';

const KiB = 2 ** 10;
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const NO_QEMU = 'not run: qemu-img not installed';
const KINDS: readonly ImageKind[] = [...DISK_FORMATS.map((f) => IMAGE_FORMATS[f]), ...IMAGE_VARIANTS];
/** Formats `qemu-img check` can check (vpc and raw answer "This image format does not support checks"). */
const QEMU_CHECKS = new Set(['qcow2', 'vmdk', 'vdi', 'vhdx', 'parallels']);
/** Only these kinds need more than 1 MiB: their formats allocate in 1 MiB blocks (and VHDX regions). */
const LARGER_THAN_1MIB: Record<string, string> = {
  vhdx: '4 MiB of header section, log, metadata and BAT regions, 1 MiB blocks',
  vdi: '1 MiB blocks',
  qcow2: 'the suites keep 16 clusters of 64 KiB, as before',
  raw: 'an odd size just over 1 MiB, so a body cut at a chunk boundary shows',
  'vhd-fixed': 'a fixed VHD holds its whole disk',
};

function hasTool(name: string): boolean {
  return spawnSync(name, ['--version'], { encoding: 'utf8' }).error === undefined;
}

describe('disk format registry', () => {
  test("lists every disk_format of Zed's image schema, in its order", () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../schemas/glance/zed/image.json', import.meta.url), 'utf8'),
    ) as {
      properties: { disk_format: { enum: (string | null)[] } };
    };
    assert.deepEqual(
      schema.properties.disk_format.enum.filter((f) => f !== null),
      [...DISK_FORMATS],
    );
    for (const format of DISK_FORMATS) assert.equal(IMAGE_FORMATS[format].diskFormat, format);
  });

  test('a format gets a virtual_size rule other than null exactly when Zed has an inspector for it', () => {
    for (const format of DISK_FORMATS) {
      assert.equal(IMAGE_FORMATS[format].zed.rule !== 'null', ZED_INSPECTED_FORMATS.includes(format), format);
    }
  });

  test('imageKind finds formats and variants, and names the known ones otherwise', () => {
    assert.equal(imageKind('vdi'), IMAGE_FORMATS.vdi);
    assert.equal(imageKind('vhd-fixed').diskFormat, 'vhd');
    assert.throws(() => imageKind('qed'), {
      name: 'InputError',
      message: /^Unknown image kind qed \(known: ami, ari, aki, vhd, .*vmdk-stream-optimized-footer\)$/,
    });
  });

  for (const kind of KINDS) {
    test(`${kind.name} (${kind.description}): deterministic, seeded, and small by default`, () => {
      const a = buildImage(kind, { seed: 'one' });
      assert.ok(a.bytes.equals(buildImage(kind, { seed: 'one' }).bytes), 'same seed, same bytes');
      assert.ok(!a.bytes.equals(buildImage(kind, { seed: 'two' }).bytes), 'another seed, other bytes');
      const reason = LARGER_THAN_1MIB[kind.name];
      if (reason === undefined) assert.ok(a.bytes.length < MiB, `${a.bytes.length} bytes`);
      else assert.ok(a.bytes.length <= 7 * MiB, `${a.bytes.length} bytes (${reason})`);
    });
  }

  test("the Zed inspector port reports each kind's stated virtual_size, whatever the chunking", () => {
    for (const kind of KINDS) {
      const image = buildImage(kind, { seed: 'zed' });
      for (const chunk of [image.bytes.length, 64 * KiB, 1000, 7]) {
        const inspector = zedUploadInspector(kind.diskFormat, 'bare');
        for (let at = 0; at < image.bytes.length; at += chunk) {
          inspector?.write(image.bytes.subarray(at, at + chunk));
        }
        assert.equal(
          inspector?.virtualSize() ?? null,
          image.zedVirtualSize,
          `${kind.name}, ${chunk}-byte chunks`,
        );
      }
    }
  });

  test('Zed inspects bare containers only, and finds no size in bytes of another format', () => {
    const qcow2 = buildImage(IMAGE_FORMATS.qcow2).bytes;
    assert.equal(zedVirtualSize('qcow2', 'bare', qcow2), 64 * MiB);
    assert.equal(zedVirtualSize('qcow2', 'ovf', qcow2), null);
    assert.equal(zedVirtualSize('vmdk', 'bare', qcow2), null);
    assert.equal(zedVirtualSize('vhdx', 'bare', buildImage(IMAGE_FORMATS.raw).bytes), null);
    assert.equal(zedVirtualSize('raw', 'bare', Buffer.alloc(0)), null);
    assert.equal(zedVirtualSize('iso', 'bare', buildImage(IMAGE_FORMATS.iso).bytes), null);
  });
});

describe('qemu-img reads each generated image', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-formats-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const kind of KINDS) {
    const fmt = kind.qemuFormat;
    const guestOf = kind.guest;
    if (!fmt || !guestOf) continue;
    const checks = QEMU_CHECKS.has(fmt) ? 'check finds no errors' : `no check (qemu-img has none for ${fmt})`;
    test(`${kind.name}: info says ${fmt} and the virtual size, ${checks}, the guest read back equals the data`, async (t) => {
      if (!hasQemuImg) {
        t.skip(NO_QEMU);
        return;
      }
      const image = buildImage(kind, { seed: kind.name });
      const path = join(dir, `${kind.name}.img`);
      await writeFile(path, image.bytes);
      const info = qemuImgJson<Record<string, unknown>>('info', '-f', fmt, path);
      assert.equal(info.format, fmt);
      // qemu counts whole sectors: a raw file of an odd size reads as a disk rounded up to 512.
      const qemuSize = Math.ceil(image.virtualSize / 512) * 512;
      assert.equal(info['virtual-size'], qemuSize);
      // What qemu guesses unprompted; a fixed VHD has no footer at the start, so it reads as raw.
      const probed = qemuImgJson<Record<string, unknown>>('info', path);
      assert.equal(probed.format, kind.name === 'vhd-fixed' ? 'raw' : fmt);
      if (QEMU_CHECKS.has(fmt)) {
        const check = qemuImg('check', '-f', fmt, '--output=json', path);
        assert.equal(
          check.status,
          0,
          `qemu-img check exited ${check.status}: ${check.stdout}${check.stderr}`,
        );
        const report = JSON.parse(check.stdout) as Record<string, number | undefined>;
        assert.equal(report['check-errors'], 0);
        assert.equal(report.corruptions ?? 0, 0);
        assert.equal(report.leaks ?? 0, 0);
      }
      const raw = join(dir, `${kind.name}.raw`);
      const convert = qemuImg('convert', '-f', fmt, '-O', 'raw', path, raw);
      assert.equal(convert.status, 0, convert.stderr);
      const opts = { virtualSize: image.virtualSize, seed: kind.name };
      const guest = guestBytes(guestOf(opts), image.virtualSize, kind.name);
      const expected = Buffer.concat([guest, Buffer.alloc(qemuSize - guest.length)]);
      assert.ok((await readFile(raw)).equals(expected), 'guest data read by qemu differs');
      await rm(raw);
    });
  }

  const large: [string, number][] = [
    ['vhd', 10 * GiB],
    ['vhdx', 10 * GiB],
    ['vmdk', 10 * GiB],
    ['vmdk-stream-optimized', 10 * GiB],
    ['vmdk-stream-optimized-footer', 10 * GiB],
    ['vdi', 10 * GiB],
    ['ploop', 10 * GiB],
  ];
  for (const [name, virtualSize] of large) {
    test(`${name} of ${virtualSize / GiB} GiB: qemu-img info and check agree, each data block reads back`, async (t) => {
      if (!hasQemuImg) {
        t.skip(NO_QEMU);
        return;
      }
      const kind = imageKind(name);
      const fmt = kind.qemuFormat ?? 'raw';
      const seed = `large-${name}`;
      const image = buildImage(kind, { virtualSize, seed });
      const path = join(dir, `large-${name}.img`);
      await writeFile(path, image.bytes);
      const info = qemuImgJson<Record<string, unknown>>('info', '-f', fmt, path);
      assert.equal(info['virtual-size'], virtualSize);
      if (QEMU_CHECKS.has(fmt)) {
        const check = qemuImg('check', '-f', fmt, path);
        assert.equal(check.status, 0, check.stdout + check.stderr);
      }
      const map = kind.guest?.({ virtualSize, seed });
      assert.ok(map && map.blocks.length > 0);
      const pattern = new ImagePattern(seed);
      const windows = map.blocks.map((block, i) => ({
        at: block * map.blockSize,
        want: pattern.slice(i * map.blockSize, map.blockSize),
      }));
      windows.push({ at: ((map.blocks[0] ?? 0) + 1) * map.blockSize, want: Buffer.alloc(map.blockSize) });
      for (const { at, want } of windows) {
        assert.ok((await readWindow(dir, fmt, path, at, want.length)).equals(want), `guest bytes at ${at}`);
      }
    });
  }

  test('vhdx past 4 GiB: the BAT keeps a sector-bitmap entry after every 4096 payload entries', () => {
    const layout = vhdxLayout({ virtualSize: 10 * GiB, dataBlocks: 3 });
    assert.equal(layout.chunkRatio, 4096);
    assert.equal(layout.batEntries, 10240 + 2);
    assert.ok(
      layout.guest.blocks.some((b) => b >= 4096),
      'a data block lies past the first chunk',
    );
  });

  for (const kind of [IMAGE_FORMATS.aki, IMAGE_FORMATS.ari, IMAGE_FORMATS.ami]) {
    test(`${kind.name}: qemu-img probes raw (no other format's magic) with the file size as virtual size`, async (t) => {
      if (!hasQemuImg) {
        t.skip(NO_QEMU);
        return;
      }
      const image = buildImage(kind, { seed: `data-${kind.name}` });
      const path = join(dir, `${kind.name}.img`);
      await writeFile(path, image.bytes);
      const info = qemuImgJson<Record<string, unknown>>('info', path);
      assert.equal(info.format, 'raw');
      assert.equal(info['virtual-size'], image.bytes.length);
    });
  }
});

/** Guest bytes [at, at + length) as qemu reads them: a raw window (offset, size) over the image node. */
async function readWindow(
  dir: string,
  fmt: string,
  path: string,
  at: number,
  length: number,
): Promise<Buffer> {
  const out = join(dir, 'window.raw');
  const opts = `driver=raw,offset=${at},size=${length},file.driver=${fmt},file.file.driver=file,file.file.filename=${path}`;
  const res = qemuImg('convert', '-O', 'raw', '--image-opts', opts, out);
  assert.equal(res.status, 0, res.stderr);
  const bytes = await readFile(out);
  await rm(out);
  return bytes;
}

/** DATA.BIN as an ISO 9660 reader finds it: PVD → root directory record → the file's extent. */
function readIsoFile(volume: Buffer, name: string): Buffer | undefined {
  const pvd = volume.subarray(16 * 2048, 17 * 2048);
  assert.equal(pvd.subarray(1, 6).toString('latin1'), 'CD001');
  const rootSector = pvd.readUInt32LE(156 + 2);
  const rootBytes = pvd.readUInt32LE(156 + 10);
  const root = volume.subarray(rootSector * 2048, rootSector * 2048 + rootBytes);
  for (let at = 0; at < root.length && (root[at] ?? 0) > 0; at += root[at] ?? 0) {
    const idLength = root.readUInt8(at + 32);
    if (root.subarray(at + 33, at + 33 + idLength).toString('latin1') !== name) continue;
    const sector = root.readUInt32LE(at + 2);
    assert.equal(root.readUInt32BE(at + 6), sector, 'both-endian extent location');
    return volume.subarray(sector * 2048, sector * 2048 + root.readUInt32LE(at + 10));
  }
  return undefined;
}

describe('iso: what is checked instead (qemu has no iso driver and reads it as raw)', () => {
  const volume = buildIso({ virtualSize: 64 * KiB, seed: 'iso', fileBytes: 5000 });

  test('a directory reader finds DATA.BIN holding the seeded pattern', () => {
    const file = readIsoFile(volume, 'DATA.BIN;1');
    assert.ok(file, 'DATA.BIN;1 in the root directory');
    assert.ok(file.equals(new ImagePattern('iso').slice(0, 5000)));
    assert.equal(volume.subarray(16 * 2048 + 80, 16 * 2048 + 84).readUInt32LE(0), 32, 'volume space size');
  });

  test('isosize reads the volume size from the primary volume descriptor', async (t) => {
    if (!hasTool('isosize')) {
      t.skip('not run: isosize (util-linux) not installed');
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'gh-iso-'));
    try {
      await writeFile(join(dir, 'v.iso'), volume);
      const res = spawnSync('isosize', ['-x', join(dir, 'v.iso')], { encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      assert.match(res.stdout, /sector count: 32, sector size: 2048/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('blkid probes an iso9660 filesystem labelled GLANCE_HARNESS', async (t) => {
    if (!hasTool('blkid')) {
      t.skip('not run: blkid (util-linux) not installed');
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'gh-iso-'));
    try {
      await writeFile(join(dir, 'v.iso'), volume);
      const res = spawnSync('blkid', ['-p', '-o', 'export', join(dir, 'v.iso')], { encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      assert.match(res.stdout, /^TYPE=iso9660$/m);
      assert.match(res.stdout, /^LABEL=GLANCE_HARNESS$/m);
      assert.match(res.stdout, /^BLOCK_SIZE=2048$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('format input validation', () => {
  const invalid: [string, () => Buffer, RegExp][] = [
    ['a vhd size not a multiple of 512', () => buildVhd({ virtualSize: 1000 }), /multiple of 512/],
    [
      'a vhd block size not a power of two',
      () => buildVhd({ virtualSize: MiB, blockSize: 3000 }),
      /power of two/,
    ],
    [
      'more vhd data blocks than the disk has',
      () => buildVhd({ virtualSize: MiB, dataBlocks: 17 }),
      /dataBlocks/,
    ],
    [
      'a vhdx block under 1 MiB',
      () => buildVhdx({ virtualSize: MiB, blockSize: 512 * KiB }),
      /power of two from/,
    ],
    [
      'a vmdk footer on monolithicSparse',
      () => buildVmdk({ virtualSize: MiB, footer: true }),
      /streamOptimized/,
    ],
    ['an iso size not a multiple of 2048', () => buildIso({ virtualSize: 3000 }), /multiple of 2048/],
    ['an iso too small for its tables', () => buildIso({ virtualSize: 20 * 2048 }), /at least 43008/],
    [
      'an iso volume id with lower case',
      () => buildIso({ virtualSize: 64 * KiB, volumeId: 'x' }),
      /volumeId/,
    ],
  ];
  for (const [name, attempt, message] of invalid) {
    test(`rejects ${name} with a one-line InputError`, () => {
      assert.throws(attempt, (err: unknown) => {
        assert.ok(err instanceof InputError, `got ${String(err)}`);
        assert.match(err.message, message);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    });
  }
});
