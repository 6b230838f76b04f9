// The rows behind an image the run creates, step by step through its life: what Glance stored is what the API said.
import { statSync } from 'node:fs';
import { rawImageStream } from '../../src/data/index.js';
import {
  compareExtras,
  compareImageRow,
  type DbSession,
  fileLocationPath,
  type ImageRows,
  locationFileState,
  readImageRows,
} from '../../src/db/index.js';
import type { GlanceClient, Image } from '../../src/glance/index.js';
import { expect, id, test } from './db-fixtures.js';

const SIZE = 1024 * 1024 + 17;

async function rows(db: DbSession, imageId: string): Promise<ImageRows> {
  return readImageRows(db, imageId);
}

async function show(glance: GlanceClient, imageId: string): Promise<Image> {
  const res = await glance.images.show(imageId);
  expect(res).toHaveStatus(200);
  return res.body as Image;
}

async function upload(glance: GlanceClient, image: Image): Promise<Image> {
  const res = await glance.data.upload(image.id, { stream: rawImageStream(SIZE, image.id), size: SIZE });
  expect(res).toHaveStatus(204);
  const shown = await show(glance, image.id);
  expect(shown.status, 'status after upload').toBe('active');
  expect(shown.checksum, 'md5 of the bytes sent').toBe(res.sent.md5);
  return shown;
}

function expectRowsMatch(api: Image, r: ImageRows): void {
  expect(r.image, `no images row for ${api.id}`).toBeDefined();
  if (!r.image) return;
  expect(compareImageRow(api, r.image), `images row of ${api.id} vs GET /v2/images/${api.id}`).toEqual([]);
  expect(compareExtras(api, r), `image_properties and image_tags of ${api.id} vs the API`).toEqual([]);
  expect(r.image.deleted, 'images.deleted').toBe(false);
}

test.describe('db: rows behind an image', { tag: ['@db'] }, () => {
  test(
    'POST /v2/images then PUT file leaves images and image_locations rows matching the API',
    {
      annotation: id('db.rows.after-upload'),
    },
    async ({ db, glance, images }, testInfo) => {
      const created = await images.create('db-rows-upload');
      const queued = await rows(db, created.id);
      expectRowsMatch(await show(glance, created.id), queued);
      expect(queued.locations, 'image_locations before any data').toEqual([]);

      const active = await upload(glance, created);
      const r = await rows(db, created.id);
      expectRowsMatch(active, r);
      const live = r.locations.filter((l) => !l.deleted);
      expect(
        live.map((l) => l.status),
        'image_locations.status of the live locations',
      ).toEqual(['active']);
      const value = live[0]?.value ?? '';
      expect(value, 'the location names the image').toContain(created.id);
      const path = fileLocationPath(value);
      const state = path === undefined ? 'unknown' : locationFileState(path);
      testInfo.annotations.push({
        type: 'location-file',
        description:
          state === 'unknown'
            ? `${value}: not checked (not a file:// location visible from this host)`
            : `${path}: ${state}`,
      });
      if (path !== undefined && state !== 'unknown') {
        expect(state, `file of ${value}`).toBe('present');
        expect(statSync(path).size, `size of ${path}`).toBe(SIZE);
      }
    },
  );

  test('PATCH os_name=linux and PUT tag leave image_properties and image_tags rows matching the API', {
    annotation: id('db.rows.properties-tags'),
  }, async ({ db, glance, images }) => {
    const created = await images.create('db-rows-props');
    await upload(glance, created);
    const patched = await glance.images.update(created.id, [{ op: 'add', path: '/os_name', value: 'linux' }]);
    expect(patched).toHaveStatus(200);
    expect(await glance.tags.add(created.id, 'db-row-check')).toHaveStatus(204);
    const api = await show(glance, created.id);
    const r = await rows(db, created.id);
    expectRowsMatch(api, r);
    const live = (name: string) => r.properties.find((p) => p.name === name && !p.deleted)?.value;
    expect(live('os_name'), 'image_properties os_name').toBe('linux');
    expect(
      r.tags.filter((t) => !t.deleted).map((t) => t.value),
      'image_tags holds the tag added with PUT',
    ).toContain('db-row-check');
  });

  test(
    'DELETE /v2/images/{id} soft-deletes the images, properties, tags and locations rows and the API answers 404',
    {
      annotation: id('db.rows.after-delete'),
    },
    async ({ db, glance, images }, testInfo) => {
      const created = await images.create('db-rows-delete');
      await upload(glance, created);
      expect(
        await glance.images.update(created.id, [{ op: 'add', path: '/os_name', value: 'linux' }]),
      ).toHaveStatus(200);
      expect(await glance.tags.add(created.id, 'db-row-check')).toHaveStatus(204);
      const before = await rows(db, created.id);
      const path = fileLocationPath(before.locations.find((l) => !l.deleted)?.value ?? '');
      const onHost = path !== undefined && locationFileState(path) !== 'unknown';

      expect(await glance.images.delete(created.id)).toHaveStatus(204);
      expect(await glance.images.show(created.id)).toHaveStatus(404);
      const r = await rows(db, created.id);
      expect(r.image?.deleted, 'images.deleted after DELETE').toBe(true);
      expect(r.image?.status, 'images.status after DELETE').toBe('deleted');
      expect(r.properties.length, 'image_properties rows kept (soft delete)').toBeGreaterThan(0);
      expect(
        r.properties.filter((p) => !p.deleted),
        'image_properties not marked deleted',
      ).toEqual([]);
      expect(r.tags.length, 'image_tags rows kept (soft delete)').toBeGreaterThan(0);
      expect(
        r.tags.filter((t) => !t.deleted),
        'image_tags not marked deleted',
      ).toEqual([]);
      expect(r.locations.length, 'image_locations rows kept (soft delete)').toBeGreaterThan(0);
      expect(
        r.locations.filter((l) => !l.deleted || l.status !== 'deleted'),
        'image_locations not deleted/status deleted',
      ).toEqual([]);
      testInfo.annotations.push({
        type: 'location-file',
        description: onHost ? `${path}: checked it is gone` : 'not checked (file not visible from this host)',
      });
      if (onHost && path !== undefined)
        expect(locationFileState(path), `file ${path} after DELETE`).toBe('missing');
    },
  );
});
