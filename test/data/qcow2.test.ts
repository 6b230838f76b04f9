import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  buildQcow2,
  DEFAULT_SEED,
  guestClusterSequence,
  ImagePattern,
  type Qcow2Options,
  qcow2ImageDigests,
  qcow2ImageStream,
  qcow2Layout,
  qcow2VirtualSize,
  writeQcow2Image,
} from '../../src/data/index.js';
import { InputError } from '../../src/errors.js';
import { drainMeasuringMemory } from './memory.js';
import { readGuest, readQcow2 } from './qcow2-verifier.js';
import { hasQemuImg, qemuImg, qemuImgJson } from './qemu.js';

const KiB = 2 ** 10;
const MiB = 2 ** 20;
const GiB = 2 ** 30;

interface Case {
  name: string;
  opts: Qcow2Options;
  /** Small enough to convert to raw with qemu-img and compare byte for byte. */
  compareGuest: boolean;
}

const CASES: Case[] = [
  { name: '1 MiB, default clusters and data', opts: { virtualSize: MiB }, compareGuest: true },
  { name: 'empty 0-byte disk', opts: { virtualSize: 0 }, compareGuest: false },
  {
    name: '10 GiB sparse, 64 clusters over 20 L2 tables',
    opts: { virtualSize: 10 * GiB, dataClusters: 64 },
    compareGuest: false,
  },
  {
    name: '1 MiB of 512 B clusters, fully allocated: 32 L2 tables, 9 refcount blocks',
    opts: { virtualSize: MiB, clusterBits: 9, dataClusters: 2048 },
    compareGuest: true,
  },
  {
    name: '16 MiB of 512 B clusters, 20000 allocated: refcount table spans 2 clusters',
    opts: { virtualSize: 16 * MiB, clusterBits: 9, dataClusters: 20_000 },
    compareGuest: true,
  },
  {
    name: 'version 2 (compat=0.10)',
    opts: { virtualSize: 4 * MiB, version: 2, dataClusters: 5 },
    compareGuest: true,
  },
  {
    name: 'virtual size not a whole number of 4 KiB clusters',
    opts: { virtualSize: 1001 * 512, clusterBits: 12, dataClusters: 126 },
    compareGuest: true,
  },
  {
    name: '2 MiB clusters, 1 TiB virtual',
    opts: { virtualSize: 1024 * GiB, clusterBits: 21, dataClusters: 3 },
    compareGuest: false,
  },
];

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function assertStructure(image: Buffer, opts: Qcow2Options): void {
  const layout = qcow2Layout(opts);
  const reading = readQcow2(image);
  assert.deepEqual(reading.errors, []);
  assert.equal(image.length, layout.fileSize);
  assert.equal(reading.version, layout.version);
  assert.equal(reading.virtualSize, opts.virtualSize);
  assert.equal(reading.clusterSize, layout.clusterSize);
  assert.equal(reading.l2Tables, layout.l2Tables);
  assert.equal(reading.refcountBlocks, layout.refcountBlocks);
  assert.equal(reading.mapping.size, layout.dataClusters);
  assert.equal(reading.fileClusters * layout.clusterSize, layout.fileSize);
}

describe('qcow2 header', () => {
  for (const virtualSize of [512, 64 * KiB, MiB + 512, GiB, 10 * GiB, 5 * 1024 * GiB]) {
    test(`declares a virtual size of ${virtualSize} bytes`, () => {
      const image = buildQcow2({ virtualSize, dataClusters: 1 });
      assert.equal(qcow2VirtualSize(image.subarray(0, 32)), virtualSize);
    });
  }

  test('the file stays small however large the disk', () => {
    const layout = qcow2Layout({ virtualSize: 10 * GiB });
    assert.ok(layout.fileSize < 4 * MiB, `file is ${layout.fileSize} bytes`);
  });
});

describe('qcow2 structure (independent reader)', () => {
  for (const { name, opts } of CASES) {
    test(`${name}: every allocated cluster aligned, inside the file, refcount 1`, () => {
      assertStructure(buildQcow2(opts), opts);
    });
  }

  test('the cases cover more than one L2 table and refcount structures spanning clusters', () => {
    const layouts = CASES.map((c) => qcow2Layout(c.opts));
    assert.ok(layouts.some((l) => l.l2Tables > 1));
    assert.ok(layouts.some((l) => l.refcountBlocks > 1));
    assert.ok(layouts.some((l) => l.refcountTableClusters > 1));
    assert.ok(layouts.some((l) => l.l1Clusters > 1));
  });

  describe('the reader is not blind', () => {
    const opts: Qcow2Options = { virtualSize: MiB, dataClusters: 4 };
    const layout = qcow2Layout(opts);
    const damaged = (damage: (image: Buffer) => void): string[] => {
      const image = buildQcow2(opts);
      damage(image);
      return readQcow2(image).errors;
    };

    test('flags a wrong refcount', () => {
      const errors = damaged((image) => image.writeUInt16BE(2, layout.refcountBlockOffset));
      assert.match(errors.join('\n'), /cluster 0 has refcount 2 but 1 reference/);
    });

    test('flags a leaked cluster past the end of the file', () => {
      const past = layout.fileSize / layout.clusterSize;
      const errors = damaged((image) => image.writeUInt16BE(1, layout.refcountBlockOffset + past * 2));
      assert.match(errors.join('\n'), new RegExp(`cluster ${past} past the end of the file`));
    });

    test('flags a missing COPIED flag, a misaligned and an out-of-file data cluster', () => {
      const errors = damaged((image) => {
        image.writeUInt8(image.readUInt8(layout.l2Offset) & 0x7f, layout.l2Offset);
        image.writeBigUInt64BE((1n << 63n) | BigInt(layout.dataOffset + 512), layout.l2Offset + 8);
        image.writeBigUInt64BE((1n << 63n) | BigInt(layout.fileSize), layout.l2Offset + 16);
      }).join('\n');
      assert.match(errors, /guest cluster 0 lacks the COPIED flag/);
      assert.match(errors, /not cluster-aligned/);
      assert.match(errors, /beyond the end of the file/);
    });

    test('flags a cluster referenced twice', () => {
      const errors = damaged((image) => {
        image.copy(image, layout.l2Offset + 8 * 3, layout.l2Offset, layout.l2Offset + 8);
      });
      assert.match(errors.join('\n'), /referenced 2 times/);
    });
  });

  test('data clusters map to guest clusters in order and hold the seeded pattern', () => {
    const opts: Qcow2Options = { virtualSize: 8 * MiB, clusterBits: 12, dataClusters: 300, seed: 'order' };
    const image = buildQcow2(opts);
    const layout = qcow2Layout(opts);
    const reading = readQcow2(image);
    const pattern = new ImagePattern('order');
    const guests = [...reading.mapping.keys()].sort((a, b) => a - b);
    assert.deepEqual(guests, [...guestClusterSequence(layout.guestClusters, layout.dataClusters)]);
    guests.forEach((guest, i) => {
      assert.equal(reading.mapping.get(guest), layout.dataOffset + i * layout.clusterSize);
      const content = readGuest(image, reading, guest * layout.clusterSize, layout.clusterSize);
      assert.ok(content.equals(pattern.slice(i * layout.clusterSize, layout.clusterSize)), `guest ${guest}`);
    });
    const unallocated = guests[0] === 0 ? 1 : 0;
    assert.ok(readGuest(image, reading, unallocated * 4096, 4096).equals(Buffer.alloc(4096)));
  });

  test('the seed changes data clusters only', () => {
    const a = buildQcow2({ virtualSize: MiB, seed: 'a' });
    const b = buildQcow2({ virtualSize: MiB, seed: 'b' });
    const { dataOffset } = qcow2Layout({ virtualSize: MiB });
    assert.ok(a.subarray(0, dataOffset).equals(b.subarray(0, dataOffset)));
    assert.ok(!a.subarray(dataOffset).equals(b.subarray(dataOffset)));
    assert.ok(buildQcow2({ virtualSize: MiB }).equals(buildQcow2({ virtualSize: MiB, seed: DEFAULT_SEED })));
  });

  test('dataBytes allocates whole clusters to hold that many bytes', () => {
    const layout = qcow2Layout({ virtualSize: GiB, dataBytes: 5 * MiB + 1 });
    assert.equal(layout.dataClusters, 81);
  });
});

describe('guestClusterSequence', () => {
  for (const [guest, data] of [
    [10, 10],
    [10, 3],
    [163_840, 64],
    [2 ** 40, 7],
    [2 ** 45 + 3, 1000],
  ] as const) {
    test(`spreads ${data} clusters over ${guest} exactly`, () => {
      const seq = [...guestClusterSequence(guest, data)];
      assert.equal(seq.length, data);
      seq.forEach((g, i) => {
        assert.equal(BigInt(g), (BigInt(i) * BigInt(guest)) / BigInt(data));
      });
      assert.ok((seq.at(-1) ?? 0) < guest);
    });
  }
});

describe('qcow2 files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-qcow2-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the stream and buildQcow2 give the same bytes', async () => {
    const opts: Qcow2Options = { virtualSize: 16 * MiB, clusterBits: 9, dataClusters: 20_000 };
    assert.ok((await collect(qcow2ImageStream(opts))).equals(buildQcow2(opts)));
  });

  test('writeQcow2Image returns the file size and digests equal to node:crypto over it', async () => {
    const opts: Qcow2Options = { virtualSize: 10 * GiB, dataClusters: 40, seed: 'file' };
    const path = join(dir, 'ten.qcow2');
    const image = await writeQcow2Image(path, opts);
    const data = await readFile(path);
    assert.deepEqual(image, {
      path,
      size: qcow2Layout(opts).fileSize,
      md5: createHash('md5').update(data).digest('hex'),
      sha512: createHash('sha512').update(data).digest('hex'),
      diskFormat: 'qcow2',
      virtualSize: 10 * GiB,
    });
    assert.deepEqual(await qcow2ImageDigests(opts), {
      size: image.size,
      md5: image.md5,
      sha512: image.sha512,
    });
  });

  test('a 64 MiB qcow2 file streams with flat memory and stays valid', async () => {
    const opts: Qcow2Options = { virtualSize: 10 * GiB, dataBytes: 64 * MiB };
    const { bytes, peakGrowth } = await drainMeasuringMemory(qcow2ImageStream(opts));
    assert.equal(bytes, qcow2Layout(opts).fileSize);
    assert.ok(peakGrowth < 16 * MiB, `retained memory grew by ${(peakGrowth / MiB).toFixed(1)} MiB`);
    const path = join(dir, 'big.qcow2');
    const image = await writeQcow2Image(path, opts);
    assert.equal((await stat(path)).size, image.size);
    assertStructure(await readFile(path), opts);
  });

  describe('qemu-img agrees', () => {
    for (const { name, opts, compareGuest } of CASES) {
      test(`${name}: info, check and map`, async (t) => {
        if (!hasQemuImg) {
          t.skip('qemu-img not installed');
          return;
        }
        const path = join(dir, `qemu-${CASES.findIndex((c) => c.name === name)}.qcow2`);
        await writeQcow2Image(path, opts);
        const layout = qcow2Layout(opts);

        const info = qemuImgJson<Record<string, unknown>>('info', '-f', 'qcow2', path);
        assert.equal(info.format, 'qcow2');
        assert.equal(info['virtual-size'], opts.virtualSize);
        assert.equal(info['cluster-size'], layout.clusterSize);

        const check = qemuImg('check', '-f', 'qcow2', '--output=json', path);
        assert.equal(
          check.status,
          0,
          `qemu-img check exited ${check.status}: ${check.stdout}${check.stderr}`,
        );
        const report = JSON.parse(check.stdout) as Record<string, number | undefined>;
        assert.equal(report['check-errors'], 0);
        assert.equal(report.corruptions ?? 0, 0);
        assert.equal(report.leaks ?? 0, 0);
        assert.equal(report['image-end-offset'], layout.fileSize);

        const map = qemuImgJson<{ start: number; length: number; data: boolean; offset?: number }[]>(
          'map',
          '-f',
          'qcow2',
          path,
        );
        const mapped = new Map<number, number>();
        for (const extent of map) {
          if (!extent.data || extent.offset === undefined) continue;
          for (let at = 0; at < extent.length; at += layout.clusterSize) {
            mapped.set((extent.start + at) / layout.clusterSize, extent.offset + at);
          }
        }
        assert.deepEqual(mapped, readQcow2(await readFile(path)).mapping);

        if (compareGuest) {
          const raw = join(dir, 'guest.raw');
          const convert = qemuImg('convert', '-f', 'qcow2', '-O', 'raw', path, raw);
          assert.equal(convert.status, 0, convert.stderr);
          const image = await readFile(path);
          const expected = readGuest(image, readQcow2(image), 0, opts.virtualSize);
          assert.ok((await readFile(raw)).equals(expected), 'guest data read by qemu differs');
          await rm(raw);
        }
      });
    }

    test('a 64 MiB data qcow2 passes qemu-img check', async (t) => {
      if (!hasQemuImg) {
        t.skip('qemu-img not installed');
        return;
      }
      const path = join(dir, 'big-qemu.qcow2');
      await writeQcow2Image(path, { virtualSize: 10 * GiB, dataBytes: 64 * MiB });
      const check = qemuImg('check', '-f', 'qcow2', path);
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /No errors were found/);
    });
  });
});

describe('qcow2 input validation', () => {
  const invalid: [string, Qcow2Options, RegExp][] = [
    ['negative virtual size', { virtualSize: -512 }, /virtualSize must be a non-negative integer/],
    ['virtual size not a multiple of 512', { virtualSize: 1000 }, /multiple of 512/],
    ['fractional virtual size', { virtualSize: 512.5 }, /virtualSize must be a non-negative integer/],
    ['NaN virtual size', { virtualSize: Number.NaN }, /virtualSize must be a non-negative integer/],
    [
      'cluster bits below 9',
      { virtualSize: MiB, clusterBits: 8 },
      /clusterBits must be an integer from 9 to 21/,
    ],
    ['cluster bits above 21', { virtualSize: MiB, clusterBits: 22 }, /clusterBits must be/],
    ['absurd cluster bits', { virtualSize: MiB, clusterBits: 64 }, /clusterBits must be/],
    ['fractional cluster bits', { virtualSize: MiB, clusterBits: 16.5 }, /clusterBits must be/],
    ['more data clusters than the disk has', { virtualSize: MiB, dataClusters: 17 }, /does not fit/],
    ['dataBytes beyond the disk', { virtualSize: MiB, dataBytes: MiB + 1 }, /does not fit/],
    ['both dataClusters and dataBytes', { virtualSize: MiB, dataClusters: 1, dataBytes: 1 }, /not both/],
    ['negative dataClusters', { virtualSize: MiB, dataClusters: -1 }, /dataClusters must be/],
    ['L1 table beyond qemu limits', { virtualSize: 2 ** 52, clusterBits: 9 }, /over qemu's limit/],
    ['unknown version', { virtualSize: MiB, version: 4 as 3 }, /version must be 2 or 3/],
  ];
  for (const [name, opts, message] of invalid) {
    test(`rejects ${name} with a one-line InputError`, () => {
      for (const attempt of [() => qcow2Layout(opts), () => buildQcow2(opts), () => qcow2ImageStream(opts)]) {
        assert.throws(attempt, (err: unknown) => {
          assert.ok(err instanceof InputError, `got ${String(err)}`);
          assert.match(err.message, message);
          assert.ok(!err.message.includes('\n'));
          return true;
        });
      }
    });
  }

  test('buildQcow2 refuses images over 64 MiB and points at the streaming writers', () => {
    assert.throws(() => buildQcow2({ virtualSize: GiB, dataBytes: 128 * MiB }), {
      name: 'InputError',
      message: /use writeQcow2Image or qcow2ImageStream/,
    });
  });
});
