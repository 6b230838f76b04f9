// Tempest's negative image set (tempest.api.image.v2.test_images_negative) and the error answers
// real Glance 25.1 gives for bad ids, enums, protected images and uploads.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Image } from '../../src/glance/index.js';
import { expect, id, test } from '../fixtures.js';
import { uploadRandom } from '../images/helpers.js';

test.describe('negative: ids', { tag: ['@negative', '@images', '@read-only'] }, () => {
  test('GET /v2/images/{id} with an unknown id returns 404', {
    annotation: id('negative.show.unknown-id'),
  }, async ({ glance }) => {
    const res = await glance.images.show(randomUUID());
    expect(res).toHaveStatus(404);
    expect(res).toMatchSchema('harness/glance-error');
  });

  test('GET /v2/images/ with an empty id returns 404', {
    annotation: id('negative.show.empty-id'),
  }, async ({ glance }) => {
    const res = await glance.images.show('', { rawId: true });
    expect(res).toHaveStatus(404);
  });

  test('GET /v2/images/{id} with an id that is not a UUID returns 404', {
    annotation: id('negative.show.non-uuid'),
  }, async ({ glance }) => {
    const res = await glance.images.show('not-a-uuid', { rawId: true });
    expect(res).toHaveStatus(404);
  });
});

test.describe('negative: list parameters', { tag: ['@negative', '@images', '@read-only'] }, () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['bad-sort-key', { sort_key: 'gh_bogus' }],
    ['bad-sort-dir', { sort_dir: 'sideways' }],
    ['bad-member-status', { member_status: 'gh_bogus' }],
    ['bad-visibility', { visibility: 'gh_bogus' }],
    ['bad-os-hidden', { os_hidden: 'maybe' }],
    ['negative-limit', { limit: '-1' }],
    ['non-numeric-size', { size_min: 'big' }],
    ['unknown-marker', { marker: randomUUID() }],
  ];
  for (const [slug, query] of cases) {
    const q = new URLSearchParams(query).toString();
    test(`GET /v2/images?${q.replace(/[0-9a-f-]{36}/, '{unknown-id}')} returns 400`, {
      annotation: id(`negative.list.${slug}`),
    }, async ({ glance }) => {
      const res = await glance.images.list(query);
      expect(res).toHaveStatus(400);
      expect(res).toMatchSchema('harness/glance-error');
    });
  }
});

test.describe('negative: create', { tag: ['@negative', '@images'] }, () => {
  const enums: Array<[string, Record<string, unknown>]> = [
    ['bad-container-format', { container_format: 'gh-wrong', disk_format: 'vhd' }],
    ['bad-disk-format', { container_format: 'bare', disk_format: 'gh-wrong' }],
    ['bad-visibility', { visibility: 'gh-everyone' }],
    ['bad-id', { id: '00000000-1111-2222-3333-44445555666' }],
    ['bad-min-ram', { min_ram: -1 }],
  ];
  for (const [slug, fields] of enums) {
    test(`POST /v2/images with ${Object.entries(fields)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ')} returns 400`, {
      annotation: id(`negative.create.${slug}`),
    }, async ({ images }) => {
      const res = await images.request(`neg-${slug}`, fields);
      expect(res).toHaveStatus(400);
      expect(res).toMatchSchema('harness/glance-error');
    });
  }

  test('POST /v2/images with a reserved os_glance_* property returns 403', {
    annotation: id('negative.create.reserved-property'),
  }, async ({ images }) => {
    const res = await images.request('neg-reserved', { os_glance_gh: 'x' });
    expect(res).toHaveStatus(403);
    expect(res).toMatchSchema('harness/glance-error');
  });

  test('POST /v2/images with a read-only attribute returns 403', {
    annotation: id('negative.create.read-only-attribute'),
  }, async ({ images }) => {
    const res = await images.request('neg-readonly', { status: 'active' });
    expect(res).toHaveStatus(403);
    expect(res).toMatchSchema('harness/glance-error');
  });
});

test.describe('negative: delete', { tag: ['@negative', '@images'] }, () => {
  test('DELETE /v2/images/{id} with an unknown id returns 404', {
    annotation: id('negative.delete.unknown-id'),
  }, async ({ glance }) => {
    const res = await glance.images.delete(randomUUID());
    expect(res).toHaveStatus(404);
    expect(res).toMatchSchema('harness/glance-error');
  });

  test('DELETE /v2/images/ with an empty id returns 404', {
    annotation: id('negative.delete.empty-id'),
  }, async ({ glance }) => {
    const res = await glance.images.delete('', { rawId: true });
    expect(res).toHaveStatus(404);
  });

  test('GET and DELETE /v2/images/{id} of a deleted image return 404', {
    annotation: id('negative.delete.deleted'),
  }, async ({ images, glance }) => {
    const image = await images.create('neg-deleted');
    expect(await glance.images.delete(image.id)).toHaveStatus(204);
    const shown = await glance.images.show(image.id);
    expect(shown).toHaveStatus(404);
    expect(shown).toMatchSchema('harness/glance-error');
    const again = await glance.images.delete(image.id);
    expect(again).toHaveStatus(404);
    expect(again).toMatchSchema('harness/glance-error');
  });

  test('DELETE /v2/images/{id} of a protected image returns 403 and the image stays', {
    annotation: id('negative.delete.protected'),
  }, async ({ images, glance }) => {
    const image = await images.create('neg-protected', { protected: true });
    const res = await glance.images.delete(image.id);
    expect(res).toHaveStatus(403);
    expect(res).toMatchSchema('harness/glance-error');
    const shown = await glance.images.show(image.id);
    expect(shown).toHaveStatus(200);
    expect((shown.body as Image).protected).toBe(true);
  });
});

test.describe('negative: upload', { tag: ['@negative', '@images'] }, () => {
  test('PUT /v2/images/{id}/file on an active image returns 409', {
    annotation: id('negative.upload.active'),
  }, async ({ images, glance }) => {
    const image = await images.create('neg-upload-active');
    await uploadRandom(glance, image.id, 512);
    const res = await glance.data.upload(image.id, {
      stream: Readable.from([Buffer.alloc(512, 1)]),
      size: 512,
    });
    expect(res).toHaveStatus(409);
    expect(res).toMatchSchema('harness/glance-error');
    const shown = await glance.images.show(image.id);
    expect(shown.body?.status).toBe('active');
    expect(shown.body?.size).toBe(512);
  });

  test('PUT /v2/images/{id}/file with Content-Type application/json returns 415 and leaves it queued', {
    annotation: id('negative.upload.wrong-content-type'),
  }, async ({ images, glance }) => {
    const image = await images.create('neg-upload-415');
    const res = await glance.data.upload(
      image.id,
      { stream: Readable.from([Buffer.from('{"not":"an image"}')]), size: 18 },
      { contentType: 'application/json' },
    );
    expect(res).toHaveStatus(415);
    expect(res).toMatchSchema('harness/glance-error');
    const shown = await glance.images.show(image.id);
    expect(shown).toMatchSchema('glance/zed/image');
    expect(shown.body?.status).toBe('queued');
  });

  test('PUT /v2/images/{id}/file on an unknown image returns 404', {
    annotation: id('negative.upload.unknown-id'),
  }, async ({ glance }) => {
    const res = await glance.data.upload(randomUUID(), {
      stream: Readable.from([Buffer.alloc(16)]),
      size: 16,
    });
    expect(res).toHaveStatus(404);
  });
});
