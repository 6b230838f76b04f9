import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  CHUNK_SIZE,
  DEFAULT_SEED,
  ImagePattern,
  rawImageDigests,
  rawImageStream,
  writeRawImage,
} from '../../src/data/index.js';
import { InputError } from '../../src/errors.js';
import { drainMeasuringMemory } from './memory.js';

const MiB = 2 ** 20;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

describe('rawImageStream', () => {
  for (const size of [0, 1, 511, 4096, 4097, CHUNK_SIZE, CHUNK_SIZE + 3, 3 * MiB]) {
    test(`yields exactly ${size} bytes`, async () => {
      const data = await collect(rawImageStream(size));
      assert.equal(data.length, size);
    });
  }

  test('pushes chunks of at most CHUNK_SIZE bytes', async () => {
    const sizes: number[] = [];
    for await (const chunk of rawImageStream(2 * CHUNK_SIZE + 10)) sizes.push((chunk as Buffer).length);
    assert.deepEqual(sizes, [CHUNK_SIZE, CHUNK_SIZE, 10]);
  });

  test('the same seed gives the same bytes, the default seed is DEFAULT_SEED', async () => {
    const a = await collect(rawImageStream(2 * MiB + 100, 'alpha'));
    const b = await collect(rawImageStream(2 * MiB + 100, 'alpha'));
    assert.ok(a.equals(b));
    const byDefault = await collect(rawImageStream(64 * 1024));
    const explicit = await collect(rawImageStream(64 * 1024, DEFAULT_SEED));
    assert.ok(byDefault.equals(explicit));
  });

  test('different seeds give different bytes from the first page on', async () => {
    const a = await collect(rawImageStream(4096, 'alpha'));
    const b = await collect(rawImageStream(4096, 'beta'));
    assert.notEqual(md5(a), md5(b));
    assert.notDeepEqual(a.subarray(0, 8), b.subarray(0, 8));
  });

  test('no 4 KiB page repeats, even across the 1 MiB block period', async () => {
    const data = await collect(rawImageStream(4 * MiB));
    const pages = new Set<string>();
    for (let at = 0; at < data.length; at += 4096) pages.add(md5(data.subarray(at, at + 4096)));
    assert.equal(pages.size, data.length / 4096);
  });

  test('content depends only on seed and offset, so any slice matches the stream', async () => {
    const whole = await collect(rawImageStream(3 * MiB, 'slices'));
    const pattern = new ImagePattern('slices');
    for (const [offset, length] of [
      [0, 17],
      [4093, 20],
      [MiB - 5, 16],
      [MiB + 4096 * 3 + 2, 3],
      [123_457, 2 * MiB],
    ] as const) {
      assert.ok(
        pattern.slice(offset, length).equals(whole.subarray(offset, offset + length)),
        `at ${offset}`,
      );
    }
  });

  test('64 MiB stream through with flat memory', async () => {
    const { bytes, peakGrowth } = await drainMeasuringMemory(rawImageStream(64 * MiB));
    assert.equal(bytes, 64 * MiB);
    // A stream that buffered its output would retain about 64 MiB; a flat one holds a chunk or two.
    assert.ok(peakGrowth < 16 * MiB, `retained memory grew by ${(peakGrowth / MiB).toFixed(1)} MiB`);
  });

  for (const size of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    test(`rejects size ${size} with a one-line InputError`, () => {
      assert.throws(
        () => rawImageStream(size),
        (err: unknown) =>
          err instanceof InputError &&
          /^Raw image size must be/.test(err.message) &&
          !err.message.includes('\n'),
      );
    });
  }
});

describe('writeRawImage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-raw-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes the file and returns digests equal to node:crypto over it', async () => {
    const path = join(dir, 'five.raw');
    const image = await writeRawImage(path, 5 * MiB + 7, 'write');
    const data = await readFile(path);
    assert.equal((await stat(path)).size, 5 * MiB + 7);
    assert.deepEqual(image, {
      path,
      size: 5 * MiB + 7,
      md5: md5(data),
      sha512: createHash('sha512').update(data).digest('hex'),
      diskFormat: 'raw',
      virtualSize: 5 * MiB + 7,
    });
  });

  test('an empty image is a valid 0-byte file', async () => {
    const image = await writeRawImage(join(dir, 'empty.raw'), 0);
    assert.equal(image.size, 0);
    assert.equal(image.md5, 'd41d8cd98f00b204e9800998ecf8427e');
  });

  test('rawImageDigests matches the written file without writing one', async () => {
    const image = await writeRawImage(join(dir, 'digests.raw'), 2 * MiB + 1, 'digests');
    const digests = await rawImageDigests(2 * MiB + 1, 'digests');
    assert.deepEqual(digests, { size: image.size, md5: image.md5, sha512: image.sha512 });
  });

  test('rejects a negative size before creating the file', async () => {
    await assert.rejects(writeRawImage(join(dir, 'never.raw'), -5), InputError);
    await assert.rejects(stat(join(dir, 'never.raw')), { code: 'ENOENT' });
  });
});
