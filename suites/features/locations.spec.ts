// The location API of API 2.17 (2024.2): GET/POST /v2/images/{id}/locations, under the release's
// default policy (fetch_image_location: service or admin; add_image_location: service, or the
// owner's member when an http store is enabled). Runs only where the target lists v2.17.
import type { ImageLocation } from '../../src/glance/index.js';
import { expect, id } from '../fixtures.js';
import { needsAdmin, needsVersion } from '../support/advertised.js';
import { bytesOf } from '../support/image-data.js';
import { memberOf, test } from '../support/two-projects.js';

const LOCATION_API = 'the location API (GET/POST /v2/images/{id}/locations)';
const BYTES = Buffer.from('glance-harness location image\n');

test.describe('features: image locations (2.17)', { tag: ['@features'] }, () => {
  test('GET /v2/images/{id}/locations as admin lists the stored copy, without row id or status', {
    annotation: id('features.locations.get'),
  }, async ({ glance, images, me, ctx }) => {
    needsVersion(ctx, LOCATION_API, 'v2.17');
    needsAdmin(me?.isAdmin, me?.roles ?? [], 'fetch_image_location (role:service or role:admin)');
    const image = await images.create('loc-get');
    expect(await glance.data.upload(image.id, bytesOf(BYTES))).toHaveStatus(204);
    const res = await glance.images.locations(image.id);
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('harness/image-locations');
    const locations = res.body as ImageLocation[];
    expect(locations, 'locations of an image uploaded once').toHaveLength(1);
    const shown = (await glance.images.show(image.id)).body as unknown as Record<string, unknown>;
    if (typeof shown?.stores === 'string')
      expect(locations[0]?.metadata.store, 'the location’s store is the one the image lists').toBe(
        shown.stores,
      );
  });

  test('GET /v2/images/{id}/locations as the owning project’s member returns 403', {
    annotation: id('features.locations.get-member-refused'),
  }, async ({ alt, images, ctx }) => {
    needsVersion(ctx, LOCATION_API, 'v2.17');
    const member = memberOf(alt);
    const created = await member.glance.images.create({ ...images.fields('loc-member') });
    expect(created).toHaveStatus(201);
    const imageId = (created.body as { id: string }).id;
    images.track(imageId);
    try {
      const res = await member.glance.images.locations(imageId);
      expect(res, 'a member read where its image’s bytes are kept').toHaveStatus(403);
    } finally {
      await member.glance.images.delete(imageId).catch(() => undefined);
    }
  });

  test('POST /v2/images/{id}/locations on an active image returns 409', {
    annotation: id('features.locations.add-active-conflict'),
  }, async ({ glance, images, ctx }) => {
    needsVersion(ctx, LOCATION_API, 'v2.17');
    const image = await images.create('loc-active');
    expect(await glance.data.upload(image.id, bytesOf(BYTES))).toHaveStatus(204);
    const res = await glance.images.addLocation(image.id, { url: 'http://127.0.0.1:9/glance-harness' });
    expect(res, 'a location added to an active image').toHaveStatus(409);
  });

  test('POST /v2/images/{id}/locations without a url returns 400', {
    annotation: id('features.locations.add-requires-url'),
  }, async ({ glance, images, ctx }) => {
    needsVersion(ctx, LOCATION_API, 'v2.17');
    const image = await images.create('loc-no-url');
    const res = await glance.images.addLocation(image.id, {} as { url: string });
    expect(res).toHaveStatus(400);
    const after = await glance.images.show(image.id);
    expect((after.body as { status?: string } | undefined)?.status, 'the image after the refusal').toBe(
      'queued',
    );
  });
});
