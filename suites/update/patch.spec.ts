// Update image (api-ref: image/v2 "Update image"): JSON patch with the v2.1 media type.
import type { Image } from '../../src/glance/index.js';
import { PATCH_MEDIA_TYPE } from '../../src/glance/index.js';
import { expect, id, test } from '../fixtures.js';

test.describe('update: JSON patch', { tag: ['@update'] }, () => {
  test('PATCH /v2/images/{id} add of a property returns 200 with it, and show has it', {
    annotation: id('update.patch.add-property'),
  }, async ({ images, glance }) => {
    const image = await images.create('patch-add');
    const res = await glance.images.update(image.id, [{ op: 'add', path: '/gh_colour', value: 'blue' }]);
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/image');
    expect(res.body?.gh_colour).toBe('blue');
    const shown = await glance.images.show(image.id);
    expect(shown).toMatchSchema('glance/zed/image');
    expect(shown.body?.gh_colour).toBe('blue');
  });

  test('PATCH /v2/images/{id} replace of name, a base attribute and a property returns 200 with the new values', {
    annotation: id('update.patch.replace'),
  }, async ({ images, glance }) => {
    const image = await images.create('patch-replace', { gh_colour: 'blue' });
    const newName = `${image.name}-renamed`;
    const res = await glance.images.update(image.id, [
      { op: 'replace', path: '/name', value: newName },
      { op: 'replace', path: '/min_ram', value: 512 },
      { op: 'replace', path: '/gh_colour', value: 'green' },
    ]);
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/image');
    const shown = await glance.images.show(image.id);
    expect(shown).toMatchSchema('glance/zed/image');
    expect(shown.body).toMatchObject({ name: newName, min_ram: 512, gh_colour: 'green' });
    expect(Date.parse(shown.body?.updated_at ?? '')).toBeGreaterThanOrEqual(Date.parse(image.updated_at));
  });

  test('PATCH /v2/images/{id} remove of a property returns 200 without it, and show lacks it', {
    annotation: id('update.patch.remove-property'),
  }, async ({ images, glance }) => {
    const image = await images.create('patch-remove', { gh_colour: 'blue', gh_keep: 'yes' });
    const res = await glance.images.update(image.id, [{ op: 'remove', path: '/gh_colour' }]);
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/image');
    const shown = await glance.images.show(image.id);
    expect(shown.body).not.toHaveProperty('gh_colour');
    expect(shown.body?.gh_keep).toBe('yes');
  });

  test('PATCH /v2/images/{id} remove of a property the image lacks returns 409', {
    annotation: id('update.patch.remove-missing'),
    tag: ['@negative'],
  }, async ({ images, glance }) => {
    const image = await images.create('patch-remove-missing');
    const res = await glance.images.update(image.id, [{ op: 'remove', path: '/gh_absent' }]);
    expect(res).toHaveStatus(409);
    expect(res).toMatchSchema('harness/glance-error');
  });

  test('PATCH /v2/images/{id} with Content-Type application/json returns 415 and Accept-Patch', {
    annotation: id('update.patch.wrong-media-type'),
    tag: ['@negative'],
  }, async ({ images, glance }) => {
    const image = await images.create('patch-415');
    const res = await glance.images.update(image.id, [{ op: 'add', path: '/gh_x', value: 'y' }], {
      mediaType: 'application/json',
    });
    expect(res).toHaveStatus(415);
    expect(res).toMatchSchema('harness/glance-error');
    expect(res.headers['accept-patch'], 'Accept-Patch header on 415').toContain(PATCH_MEDIA_TYPE);
    const shown = await glance.images.show(image.id);
    expect(shown.body).not.toHaveProperty('gh_x');
  });

  test('PATCH /v2/images/{id} add /tags/- returns 400', {
    annotation: id('update.patch.tags-dash'),
    tag: ['@negative'],
  }, async ({ images, glance }) => {
    const image = await images.create('patch-tags-dash');
    const res = await glance.images.update(image.id, [{ op: 'add', path: '/tags/-', value: 'gh-x' }]);
    expect(res).toHaveStatus(400);
    expect(res).toMatchSchema('harness/glance-error');
  });

  test('PATCH /v2/images/{id} replace of read-only status, size, checksum or created_at returns 403', {
    annotation: id('update.patch.read-only'),
    tag: ['@negative'],
  }, async ({ images, glance }) => {
    const image = await images.create('patch-read-only');
    const attempts: Array<[keyof Image, unknown]> = [
      ['status', 'active'],
      ['size', 1],
      ['checksum', '0123456789abcdef0123456789abcdef'],
      ['created_at', '2000-01-01T00:00:00Z'],
    ];
    for (const [attr, value] of attempts) {
      const res = await glance.images.update(image.id, [{ op: 'replace', path: `/${String(attr)}`, value }]);
      expect.soft(res, `replace /${String(attr)}`).toHaveStatus(403);
      expect.soft(res).toMatchSchema('harness/glance-error');
    }
    const shown = await glance.images.show(image.id);
    for (const [attr] of attempts) expect.soft(shown.body?.[attr], String(attr)).toEqual(image[attr]);
  });

  test('PATCH /v2/images/{id} replace of min_ram with a negative value returns 400', {
    annotation: id('update.patch.negative-min-ram'),
    tag: ['@negative'],
  }, async ({ images, glance }) => {
    const image = await images.create('patch-min-ram');
    const res = await glance.images.update(image.id, [{ op: 'replace', path: '/min_ram', value: -1 }]);
    expect(res).toHaveStatus(400);
    expect(res).toMatchSchema('harness/glance-error');
  });

  test('PATCH /v2/images/{id} add of reserved os_glance_* returns 403', {
    annotation: id('update.patch.reserved-os-glance'),
    tag: ['@negative'],
  }, async ({ images, glance }) => {
    const image = await images.create('patch-reserved');
    const res = await glance.images.update(image.id, [{ op: 'add', path: '/os_glance_gh', value: 'x' }]);
    expect(res).toHaveStatus(403);
    expect(res).toMatchSchema('harness/glance-error');
  });

  test('PATCH /v2/images/{id} replace /tags sets exactly the tags given', {
    annotation: id('update.patch.replace-tags'),
  }, async ({ images, glance }) => {
    const image = await images.create('patch-tags');
    const tags = [...image.tags, 'gh-alpha', 'gh-beta'];
    const res = await glance.images.update(image.id, [{ op: 'replace', path: '/tags', value: tags }]);
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/image');
    const shown = await glance.images.show(image.id);
    expect(shown.body?.tags.sort()).toEqual(tags.sort());
  });
});
