// The image cache API (2.14; 2.16 CURRENT on Zed with a cache) and its clean and prune calls (2.18,
// 2024.2), admin-only under Glance's default policy. Runs only where the target lists the version.
import type { CacheState, GlanceClient } from '../../src/glance/index.js';
import { expect, id } from '../fixtures.js';
import { advertisedSummary, needsAdmin, needsVersion } from '../support/advertised.js';
import { bytesOf } from '../support/image-data.js';
import { memberOf, test } from '../support/two-projects.js';

const CACHE_API = 'the image cache API (/v2/cache)';
const CLEAN_PRUNE = 'cache clean and prune (POST /v2/cache/clean, /v2/cache/prune)';
/** The cache worker fetches a queued image in the background: this long at most for a small one. */
const CACHED_WITHIN_MS = 15_000;

/** Polls GET /v2/cache until `done` holds for its state, or the time is up; the last state either way. */
async function cacheUntil(glance: GlanceClient, done: (s: CacheState) => boolean): Promise<CacheState> {
  const until = Date.now() + CACHED_WITHIN_MS;
  for (;;) {
    const res = await glance.cache.list();
    expect(res).toHaveStatus(200);
    const state = res.body as CacheState;
    if (done(state) || Date.now() > until) return state;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const cachedIds = (s: CacheState): string[] => s.cached_images.map((c) => String(c.image_id));

test.describe('features: image cache', { tag: ['@features'] }, () => {
  test('GET /v2/cache as admin returns 200 and the cached and queued images', {
    annotation: id('features.cache.list'),
  }, async ({ glance, me, ctx }) => {
    needsVersion(ctx, CACHE_API, 'v2.14', 'v2.16');
    needsAdmin(me?.isAdmin, me?.roles ?? [], 'cache_list');
    const res = await glance.cache.list();
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('harness/cache-state');
  });

  test('PUT /v2/cache/{id} caches an active image, DELETE /v2/cache/{id} removes it', {
    annotation: id('features.cache.queue-delete'),
  }, async ({ glance, images, me, ctx }) => {
    needsVersion(ctx, CACHE_API, 'v2.14', 'v2.16');
    needsAdmin(me?.isAdmin, me?.roles ?? [], 'cache_image and cache_delete');
    const bytes = Buffer.from('glance-harness cached image\n'.repeat(64));
    const image = await images.create('cache-queue');
    expect(await glance.data.upload(image.id, bytesOf(bytes))).toHaveStatus(204);
    expect(await glance.cache.queue(image.id)).toHaveStatus(202);
    const cached = await cacheUntil(glance, (s) => cachedIds(s).includes(image.id));
    const entry = cached.cached_images.find((c) => c.image_id === image.id);
    expect(entry, `image ${image.id} cached within ${CACHED_WITHIN_MS} ms of PUT /v2/cache`).toBeDefined();
    expect(entry?.size, 'the cached copy’s size').toBe(bytes.length);
    expect(await glance.cache.delete(image.id)).toHaveStatus(204);
    const after = await glance.cache.list();
    expect(after).toHaveStatus(200);
    expect(cachedIds(after.body as CacheState), 'cached images after DELETE /v2/cache/{id}').not.toContain(
      image.id,
    );
  });

  test('POST /v2/cache/clean as admin returns 200 with no body', {
    annotation: id('features.cache.clean'),
  }, async ({ glance, me, ctx }) => {
    needsVersion(ctx, CLEAN_PRUNE, 'v2.18');
    needsAdmin(me?.isAdmin, me?.roles ?? [], 'cache_clean');
    const res = await glance.cache.clean();
    expect(res).toHaveStatus([200, 204]);
    expect(res.text ?? '', 'body of POST /v2/cache/clean').toBe('');
  });

  test('POST /v2/cache/prune as admin returns 200 and what it pruned', {
    annotation: id('features.cache.prune'),
  }, async ({ glance, me, ctx }) => {
    needsVersion(ctx, CLEAN_PRUNE, 'v2.18');
    needsAdmin(me?.isAdmin, me?.roles ?? [], 'cache_prune');
    const res = await glance.cache.prune();
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('harness/cache-prune');
  });

  test('GET /v2/cache, POST /v2/cache/clean and /v2/cache/prune as a project member return 403', {
    annotation: id('features.cache.member-refused'),
  }, async ({ alt, ctx }) => {
    needsVersion(ctx, CACHE_API, 'v2.14', 'v2.16');
    const member = memberOf(alt);
    expect(await member.glance.cache.list(), 'a member listed the cache').toHaveStatus(403);
    if (!ctx.target.versions?.includes('v2.18')) {
      test.info().annotations.push({
        type: 'note',
        description: `clean and prune not tried: ${advertisedSummary(ctx)}`,
      });
      return;
    }
    expect(await member.glance.cache.clean(), 'a member cleaned the cache').toHaveStatus(403);
    expect(await member.glance.cache.prune(), 'a member pruned the cache').toHaveStatus(403);
  });
});
