// Store details (GET /v2/info/stores/detail, admin-only) on a multi-store Glance: the same stores
// GET /v2/info/stores lists, each with its type and properties, one default.

import { expect, id } from '../fixtures.js';
import { needsAdmin } from '../support/advertised.js';
import { memberOf, test } from '../support/two-projects.js';

type Store = Record<string, unknown>;

/** The store ids GET /v2/info/stores lists; skips the check on a Glance without multi-store. */
async function listedStores(glance: import('../../src/glance/index.js').GlanceClient): Promise<string[]> {
  const res = await glance.info.stores();
  test.skip(
    res.status === 404,
    `GET /v2/info/stores → 404 (${res.requestId ?? 'no request id'}): no enabled_backends, store details are multi-store only`,
  );
  expect(res).toHaveStatus(200);
  return (res.body?.stores ?? []).map((s) => String(s.id));
}

test.describe('features: store details', { tag: ['@features', '@read-only'] }, () => {
  test('GET /v2/info/stores/detail as admin lists every store with its type and properties', {
    annotation: id('features.stores.detail'),
  }, async ({ glance, me }) => {
    needsAdmin(me?.isAdmin, me?.roles ?? [], 'stores_info_detail');
    const ids = await listedStores(glance);
    const res = await glance.info.storesDetail();
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('harness/stores-detail');
    const stores = (res.body?.stores ?? []) as Store[];
    expect(stores.map((s) => String(s.id)).sort(), 'stores in the detail vs GET /v2/info/stores').toEqual(
      [...ids].sort(),
    );
    const defaults = stores.filter((s) => s.default === true || s.default === 'true').map((s) => s.id);
    expect(defaults, 'stores marked default').toHaveLength(1);
  });

  test('GET /v2/info/stores/detail as a project member returns 403', {
    annotation: id('features.stores.detail-member-refused'),
  }, async ({ glance, alt }) => {
    const member = memberOf(alt);
    await listedStores(glance);
    expect(await member.glance.info.storesDetail(), 'a member read the store details').toHaveStatus(403);
  });
});
