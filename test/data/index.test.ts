import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateImage, imageFileName, qcow2VirtualSize } from '../../src/data/index.js';
import { InputError } from '../../src/errors.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

describe('generateImage', () => {
  let dir: string;
  before(() => {
    dir = join(tmpdir(), `gh-generate-${process.pid}`, 'nested');
  });
  after(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  test('raw: creates the directory and a file named after format, size and seed', async () => {
    const image = await generateImage(dir, { format: 'raw', size: 3 * MiB, seed: 'gen' });
    assert.equal(basename(image.path), 'raw-3MiB-gen.raw');
    const data = await readFile(image.path);
    assert.equal(image.size, data.length);
    assert.equal(image.virtualSize, 3 * MiB);
    assert.equal(image.diskFormat, 'raw');
    assert.equal(image.md5, createHash('md5').update(data).digest('hex'));
  });

  test('qcow2: size is the virtual size, the file is small and carries it in the header', async () => {
    const image = await generateImage(dir, { format: 'qcow2', size: 10 * GiB, seed: 'gen' });
    assert.equal(basename(image.path), 'qcow2-10GiB-gen.qcow2');
    const data = await readFile(image.path);
    assert.equal(image.diskFormat, 'qcow2');
    assert.equal(image.virtualSize, 10 * GiB);
    assert.equal(image.size, data.length);
    assert.ok(image.size < 4 * MiB, `file is ${image.size} bytes`);
    assert.equal(qcow2VirtualSize(data), 10 * GiB);
    assert.equal(image.sha512, createHash('sha512').update(data).digest('hex'));
  });

  test('qcow2 with dataBytes grows the file by that much', async () => {
    const image = await generateImage(dir, { format: 'qcow2', size: GiB, dataBytes: 8 * MiB });
    assert.equal(basename(image.path), 'qcow2-1GiB-data8MiB-glance-harness.qcow2');
    assert.ok(image.size >= 8 * MiB && image.size < 9 * MiB, `file is ${image.size} bytes`);
  });

  test('rejects qcow2-only options on raw and unknown formats', async () => {
    await assert.rejects(generateImage(dir, { format: 'raw', size: MiB, dataBytes: 1 }), InputError);
    await assert.rejects(generateImage(dir, { format: 'vmdk' as 'raw', size: MiB }), {
      name: 'InputError',
      message: 'Image format must be raw or qcow2 (got vmdk)',
    });
  });
});

describe('imageFileName', () => {
  test('uses binary units when the size is a whole number of them, bytes otherwise', () => {
    assert.equal(imageFileName({ format: 'raw', size: 0 }), 'raw-0B-glance-harness.raw');
    assert.equal(imageFileName({ format: 'raw', size: 1536 }), 'raw-1536B-glance-harness.raw');
    assert.equal(imageFileName({ format: 'raw', size: 2048, seed: 's1' }), 'raw-2KiB-s1.raw');
    assert.equal(
      imageFileName({ format: 'qcow2', size: GiB, dataBytes: 512 * MiB, clusterBits: 12 }),
      'qcow2-1GiB-data512MiB-c12-glance-harness.qcow2',
    );
  });

  test('replaces seeds that are unsafe in a file name by a digest', () => {
    const name = imageFileName({ format: 'raw', size: MiB, seed: '../etc/passwd' });
    assert.match(name, /^raw-1MiB-[0-9a-f]{12}\.raw$/);
  });
});
