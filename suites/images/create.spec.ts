// Create and show image (api-ref: image/v2 "Create image", "Show image").
import type { Image } from '../../src/glance/index.js';
import { runTags } from '../../src/run/naming.js';
import { expect, id, test } from '../fixtures.js';
import { advertisedFormats, inBatches, isAdmin } from './helpers.js';

test.describe('images: create', { tag: ['@images'] }, () => {
  test('POST /v2/images with name and formats only returns 201 and a queued image with Glance defaults', {
    annotation: id('images.create.minimal'),
  }, async ({ images, ctx }) => {
    const res = await images.request('minimal');
    expect(res).toHaveStatus(201);
    expect(res).toMatchSchema('glance/zed/image');
    const image = res.body as Image;
    expect(image.status).toBe('queued');
    expect(image.visibility, 'Zed creates images "shared" unless told otherwise').toBe('shared');
    expect(image.protected).toBe(false);
    expect(image.os_hidden).toBe(false);
    expect([image.size, image.virtual_size, image.checksum, image.os_hash_value]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect([image.min_disk, image.min_ram]).toEqual([0, 0]);
    expect(image.tags.sort()).toEqual([...runTags(ctx.runId)].sort());
    expect(res.headers.location, 'Location header').toMatch(new RegExp(`/v2/images/${image.id}$`));
    expect(image.self).toBe(`/v2/images/${image.id}`);
    expect(image.file).toBe(`/v2/images/${image.id}/file`);
  });

  test('POST /v2/images with custom properties returns them as strings on create and show', {
    annotation: id('images.create.custom-properties'),
  }, async ({ images, glance }) => {
    const props = { os_distro: 'cirros', gh_flavour: 'vanilla', gh_empty: '' };
    const res = await images.request('custom-props', { ...props, min_disk: 1, min_ram: 64 });
    expect(res).toHaveStatus(201);
    expect(res).toMatchSchema('glance/zed/image');
    const shown = await glance.images.show((res.body as Image).id);
    expect(shown).toHaveStatus(200);
    expect(shown).toMatchSchema('glance/zed/image');
    for (const body of [res.body, shown.body]) {
      expect(body).toMatchObject({ ...props, min_disk: 1, min_ram: 64 });
    }
  });

  test('POST /v2/images with each disk_format the image schema lists returns 201 with that format', {
    annotation: id('images.create.disk-formats'),
  }, async ({ images, glance }) => {
    await inBatches(await advertisedFormats(glance, 'disk_format'), 4, async (format) => {
      const res = await images.request(`disk-${format}`, { disk_format: format, container_format: 'bare' });
      expect.soft(res, `disk_format ${format}`).toHaveStatus(201);
      if (res.status !== 201) return;
      expect.soft(res).toMatchSchema('glance/zed/image');
      expect.soft((res.body as Image).disk_format).toBe(format);
    });
  });

  test('POST /v2/images with each container_format the image schema lists returns 201 with that format', {
    annotation: id('images.create.container-formats'),
  }, async ({ images, glance }) => {
    await inBatches(await advertisedFormats(glance, 'container_format'), 4, async (format) => {
      const res = await images.request(`ctr-${format}`, { disk_format: 'raw', container_format: format });
      expect.soft(res, `container_format ${format}`).toHaveStatus(201);
      if (res.status !== 201) return;
      expect.soft(res).toMatchSchema('glance/zed/image');
      expect.soft((res.body as Image).container_format).toBe(format);
    });
  });

  for (const visibility of ['private', 'shared', 'community', 'public'] as const) {
    test(`POST /v2/images with visibility ${visibility} returns 201 and shows it ${visibility}`, {
      annotation: id(`images.create.visibility-${visibility}`),
    }, async ({ images, glance, ctx }) => {
      test.skip(
        visibility === 'public' && !isAdmin(ctx),
        'the credentials lack the admin role: Glance policy publicize_image allows admins only',
      );
      const res = await images.request(`vis-${visibility}`, { visibility });
      expect(res).toHaveStatus(201);
      expect(res).toMatchSchema('glance/zed/image');
      const shown = await glance.images.show((res.body as Image).id);
      expect(shown).toHaveStatus(200);
      expect(shown).toMatchSchema('glance/zed/image');
      expect(shown.body?.visibility).toBe(visibility);
    });
  }
});

test.describe('images: show', { tag: ['@images'] }, () => {
  test('GET /v2/images/{id} returns 200 and the fields POST returned', {
    annotation: id('images.show.matches-create'),
  }, async ({ images, glance }) => {
    const created = await images.create('show', { visibility: 'private', os_distro: 'debian' });
    const res = await glance.images.show(created.id);
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/image');
    const { updated_at: _u, tags, ...stable } = created;
    expect(res.body).toMatchObject(stable);
    // Tags are a set: Glance returns them in no fixed order (the real lab reorders them between calls).
    expect([...(res.body?.tags ?? [])].sort(), 'tags').toEqual([...tags].sort());
  });
});
