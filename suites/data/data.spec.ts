// Image data (api-ref: image/v2 "Image data": upload, download) with a generated image of every
// disk_format the target's image schema lists (src/data/formats), and the range, HEAD and queued cases.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { DISK_FORMATS, type DiskFormat } from '../../src/data/formats/index.js';
import type { GlanceClient, Image } from '../../src/glance/index.js';
import { expect, id, test } from '../fixtures.js';
import { advertisedFormats } from '../images/helpers.js';
import {
  expectImageBytes,
  expectStoredDigests,
  type LocalImage,
  localImage,
  sourceOf,
} from '../support/image-data.js';

/** A sink that keeps what it is given (only for small range bodies). */
function memorySink(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** Skips (a configuration reason) unless the target's image schema offers this disk_format. */
async function requireDiskFormat(glance: GlanceClient, format: DiskFormat): Promise<void> {
  const listed = await advertisedFormats(glance, 'disk_format');
  test.skip(!listed.includes(format), `the target's image schema does not list disk_format ${format}`);
}

/**
 * virtual_size as Glance 25.1 (Zed) reports it: the size the header declares, the bytes of a raw
 * image, or null for formats it has no inspector for (a later release that reads one may give
 * the image's true size instead; anything else is wrong).
 */
function expectVirtualSize(image: Image, local: LocalImage): void {
  const where = `image ${image.id} (${local.diskFormat}) virtual_size`;
  if (local.zedVirtualSize !== null) {
    expect(image.virtual_size, `${where}: ${local.zed.why}`).toBe(local.zedVirtualSize);
    return;
  }
  expect(
    [null, local.virtualSize],
    `${where} is ${String(image.virtual_size)}; ${local.zed.why} (the image's size is ${local.virtualSize})`,
  ).toContain(image.virtual_size ?? null);
}

test.describe('data: upload and show', { tag: ['@data'] }, () => {
  for (const format of DISK_FORMATS) {
    test(`PUT /v2/images/{id}/file with a generated ${format} image returns 204 and show reports its size, virtual_size and hashes`, {
      annotation: id(`data.upload.${format}`),
    }, async ({ glance, images }) => {
      await requireDiskFormat(glance, format);
      const local = await localImage(format);
      const image = await images.create(`data-upload-${format}`, {
        disk_format: format,
        container_format: 'bare',
      });
      const put = await glance.data.upload(image.id, sourceOf(local));
      expect(put).toHaveStatus(204);
      expect(put.sent, 'bytes sent differ from the generated image').toEqual(local.digests);
      const show = await glance.images.show(image.id);
      expect(show).toHaveStatus(200);
      expect(show).toMatchSchema('glance/zed/image');
      expectStoredDigests(show.body!, local.digests);
      expect(show.body!.disk_format).toBe(format);
      expectVirtualSize(show.body!, local);
    });
  }
});

test.describe('data: download', { tag: ['@data'] }, () => {
  for (const format of DISK_FORMATS) {
    test(`GET /v2/images/{id}/file of an active ${format} image streams 200 with a hex Content-Md5 and the uploaded bytes`, {
      annotation: id(`data.download.${format}`),
    }, async ({ glance, images }) => {
      await requireDiskFormat(glance, format);
      const local = await localImage(format);
      const image = await images.create(`data-download-${format}`, {
        disk_format: format,
        container_format: 'bare',
      });
      expect(await glance.data.upload(image.id, sourceOf(local))).toHaveStatus(204);
      const res = await glance.data.download(image.id, { expectedBytes: local.digests.size });
      expectImageBytes(res, image.id, local.digests);
    });
  }

  test('GET /v2/images/{id}/file with a Range header returns 206, Content-Range and exactly those bytes', {
    annotation: id('data.download.range'),
  }, async ({ glance, images }) => {
    const local = await localImage('raw');
    const image = await images.create('data-range');
    expect(await glance.data.upload(image.id, sourceOf(local))).toHaveStatus(204);
    const size = local.bytes.length;
    for (const [first, last] of [
      [0, 99],
      [65_530, 65_600],
      [size - 10, size - 1],
    ] as const) {
      const { sink, bytes } = memorySink();
      const res = await glance.data.download(image.id, { range: `bytes=${first}-${last}`, sink });
      expect(res).toHaveStatus(206);
      expect(res.headers['content-range'], `Content-Range for bytes=${first}-${last}`).toBe(
        `bytes ${first}-${last}/${size}`,
      );
      const got = bytes();
      expect(got.length, `body length for bytes=${first}-${last}`).toBe(last - first + 1);
      expect(md5(got), `bytes ${first}-${last} differ from the uploaded ones`).toBe(
        md5(local.bytes.subarray(first, last + 1)),
      );
    }
  });

  test('HEAD /v2/images/{id}/file returns 405 and allows GET', {
    annotation: id('data.download.head-405'),
  }, async ({ glance, images }) => {
    const local = await localImage('raw');
    const image = await images.create('data-head');
    expect(await glance.data.upload(image.id, sourceOf(local))).toHaveStatus(204);
    const res = await glance.data.download(image.id, { method: 'HEAD' });
    expect(res).toHaveStatus(405);
    expect(res.headers.allow ?? '', 'Allow header of the 405').toMatch(/\bGET\b/);
  });

  test('GET /v2/images/{id}/file of a queued image returns 204 with no body', {
    annotation: id('data.download.queued-204'),
  }, async ({ glance, images }) => {
    const image = await images.create('data-queued');
    expect(image.status).toBe('queued');
    const res = await glance.data.download(image.id);
    expect(res).toHaveStatus(204);
    expect(res.received.size, 'bytes in the 204 body').toBe(0);
  });
});
