// What a target does not list in its versions document it does not serve either: an older release
// answers the newer routes 404 (or 405 where an older route shares the path).
import { randomUUID } from 'node:crypto';
import type { ApiResponse } from '../../src/glance/index.js';
import { expect, id, test } from '../fixtures.js';
import { advertisedSummary, advertises } from '../support/advertised.js';

test.describe('features: not advertised, not served', { tag: ['@features', '@read-only'] }, () => {
  test('the location, cache and cache-clean routes of versions the target does not list answer 404 or 405', {
    annotation: id('features.unadvertised-absent'),
  }, async ({ glance, ctx }) => {
    const anyId = randomUUID();
    const probes: Array<[string, string[], () => Promise<ApiResponse>]> = [
      ['location API', ['v2.17'], () => glance.images.locations(anyId)],
      ['image cache API', ['v2.14', 'v2.16'], () => glance.cache.list()],
      ['cache clean', ['v2.18'], () => glance.cache.clean()],
      ['cache prune', ['v2.18'], () => glance.cache.prune()],
    ];
    const absent = probes.filter(([, versions]) => !advertises(ctx, ...versions));
    test.skip(absent.length === 0, `every probed feature is advertised: ${advertisedSummary(ctx)}`);
    for (const [feature, versions, call] of absent) {
      const res = await call();
      expect(res, `${feature} (${versions.join('/')}) is served though not advertised`).toHaveStatus([
        404, 405,
      ]);
    }
  });
});
