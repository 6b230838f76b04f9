// Image tags (api-ref: image/v2 "Add image tag", "Delete image tag") and their effect on show and list.
import { randomUUID } from 'node:crypto';
import { expect, id, test } from '../fixtures.js';
import { idsOf, listPage } from '../images/helpers.js';

test.describe('update: tags', { tag: ['@update', '@tags'] }, () => {
  test('PUT /v2/images/{id}/tags/{tag} returns 204; show and the tag filter then include it', {
    annotation: id('update.tags.add'),
  }, async ({ images, glance }) => {
    const image = await images.create('tag-add');
    const tag = `gh-t-${randomUUID().slice(0, 8)}`;
    expect(await glance.tags.add(image.id, tag)).toHaveStatus(204);
    const shown = await glance.images.show(image.id);
    expect(shown).toMatchSchema('glance/zed/image');
    expect(shown.body?.tags).toContain(tag);
    const listed = await listPage(glance, { tag });
    expect(idsOf(listed.body.images)).toEqual([image.id]);
  });

  test('PUT /v2/images/{id}/tags/{tag} twice keeps one copy of the tag', {
    annotation: id('update.tags.add-twice'),
  }, async ({ images, glance }) => {
    const image = await images.create('tag-twice');
    expect(await glance.tags.add(image.id, 'gh-twice')).toHaveStatus(204);
    expect(await glance.tags.add(image.id, 'gh-twice')).toHaveStatus(204);
    const shown = await glance.images.show(image.id);
    expect(shown.body?.tags.filter((t) => t === 'gh-twice')).toHaveLength(1);
  });

  test('DELETE /v2/images/{id}/tags/{tag} returns 204; show and the tag filter then exclude it', {
    annotation: id('update.tags.delete'),
  }, async ({ images, glance }) => {
    const tag = `gh-t-${randomUUID().slice(0, 8)}`;
    const image = await images.create('tag-delete', { tags: [tag] });
    expect(await glance.tags.delete(image.id, tag)).toHaveStatus(204);
    const shown = await glance.images.show(image.id);
    expect(shown).toMatchSchema('glance/zed/image');
    expect(shown.body?.tags).not.toContain(tag);
    const listed = await listPage(glance, { tag });
    expect(listed.body.images).toEqual([]);
  });

  test('DELETE /v2/images/{id}/tags/{tag} of a tag the image lacks returns 404', {
    annotation: id('update.tags.delete-missing'),
    tag: ['@negative'],
  }, async ({ images, glance }) => {
    const image = await images.create('tag-delete-missing');
    const res = await glance.tags.delete(image.id, 'gh-never-set');
    expect(res).toHaveStatus(404);
    expect(res).toMatchSchema('harness/glance-error');
  });

  test('PUT /v2/images/{id}/tags/{tag} on an unknown image returns 404', {
    annotation: id('update.tags.unknown-image'),
    tag: ['@negative'],
  }, async ({ glance }) => {
    const res = await glance.tags.add(randomUUID(), 'gh-orphan');
    expect(res).toHaveStatus(404);
    expect(res).toMatchSchema('harness/glance-error');
  });
});
