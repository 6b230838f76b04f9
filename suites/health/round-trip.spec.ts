// Health: the smallest proof an install works — list images, then create, upload, download and delete one.
// Each failure names its cause (diagnosis rules), so this suite is what a broken fresh install trips first.
import { join } from 'node:path';
import { generateImage } from '../../src/data/index.js';
import type { Image } from '../../src/glance/index.js';
import { expect, explainStatus as explain, id, test } from '../fixtures.js';

// 2 MiB: just above nginx's default client_max_body_size (1m), the most common proxy limit.
const ROUND_TRIP_BYTES = 2 * 1024 * 1024;

test.describe('health: images', { tag: ['@health', '@smoke'] }, () => {
  test('GET /v2/images with a token returns 200 and a list', {
    tag: ['@read-only'],
    annotation: id('health.images.list-200'),
  }, async ({ glance }) => {
    const res = await glance.images.list({ limit: 1 });
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/images');
  });

  test(
    'PUT /v2/images/{id}/file of 2 MiB then GET returns the same bytes, and DELETE removes the image',
    {
      annotation: id('health.images.round-trip'),
    },
    async ({ glance, images }, testInfo) => {
      const data = await generateImage(join(testInfo.outputDir, 'data'), {
        format: 'raw',
        size: ROUND_TRIP_BYTES,
        seed: 'health-round-trip',
      });
      const image = await images.create('round-trip');
      const upload = await glance.data.upload(image.id, data.path);
      expect(upload).toHaveStatus(204);
      const shown = await glance.images.show(image.id);
      expect(shown).toHaveStatus(200);
      const body = shown.body as Image;
      expect(body.status, explain(shown, 'status active')).toBe('active');
      expect(body.size, explain(shown, `size ${data.size}`)).toBe(data.size);
      const download = await glance.data.download(image.id, { expectedBytes: data.size });
      expect(download).toHaveStatus(200);
      expect(download.received.md5, explain(download, `a body with md5 ${data.md5}`)).toBe(data.md5);
      const deleted = await glance.images.delete(image.id);
      expect(deleted).toHaveStatus(204);
    },
  );
});
