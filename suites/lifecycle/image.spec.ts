// The image lifecycle end to end, in the order an operator's smoke test runs it.
import { Readable } from 'node:stream';
import { expect, id, test } from '../fixtures.js';
import { idsOf, listPage } from '../images/helpers.js';

test.describe('lifecycle', { tag: ['@lifecycle', '@smoke'] }, () => {
  test('create → upload → show → set os_name → show → list → delete → 404 and absent from list', {
    annotation: id('lifecycle.image.end-to-end'),
  }, async ({ images, glance }) => {
    const image = await test.step('POST /v2/images returns 201 queued', async () => {
      const created = await images.create('lifecycle', { visibility: 'private' });
      expect(created.status).toBe('queued');
      return created;
    });
    const data = await test.step('PUT /v2/images/{id}/file returns 204', async () => {
      const bytes = Buffer.alloc(64 * 1024);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
      const res = await glance.data.upload(image.id, { stream: Readable.from([bytes]), size: bytes.length });
      expect(res).toHaveStatus(204);
      return res.sent;
    });
    await test.step('GET /v2/images/{id} shows it active with the uploaded size and hashes', async () => {
      const res = await glance.images.show(image.id);
      expect(res).toHaveStatus(200);
      expect(res).toMatchSchema('glance/zed/image');
      expect(res.body).toMatchObject({ status: 'active', size: data.size, checksum: data.md5 });
      if (res.body?.os_hash_algo === 'sha512') expect(res.body.os_hash_value).toBe(data.sha512);
    });
    await test.step('PATCH /v2/images/{id} add os_name=linux returns 200', async () => {
      const res = await glance.images.update(image.id, [{ op: 'add', path: '/os_name', value: 'linux' }]);
      expect(res).toHaveStatus(200);
      expect(res).toMatchSchema('glance/zed/image');
    });
    await test.step('GET /v2/images/{id} has os_name=linux', async () => {
      const res = await glance.images.show(image.id);
      expect(res).toMatchSchema('glance/zed/image');
      expect(res.body?.os_name).toBe('linux');
    });
    await test.step('GET /v2/images?os_name=linux lists it with the property', async () => {
      const res = await listPage(glance, { os_name: 'linux', name: image.name ?? '' });
      expect(idsOf(res.body.images)).toEqual([image.id]);
      expect(res.body.images[0]?.os_name).toBe('linux');
    });
    await test.step('DELETE /v2/images/{id} returns 204', async () => {
      expect(await glance.images.delete(image.id)).toHaveStatus(204);
    });
    await test.step('GET /v2/images/{id} returns 404 and the list no longer has it', async () => {
      const res = await glance.images.show(image.id);
      expect(res).toHaveStatus(404);
      expect(res).toMatchSchema('harness/glance-error');
      const list = await listPage(glance, { name: image.name ?? '' });
      expect(idsOf(list.body.images)).not.toContain(image.id);
    });
  });
});
