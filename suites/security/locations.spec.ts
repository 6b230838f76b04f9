// Image locations pointing at a host file: a project member must not be able to point its image's
// bytes at a file on the Glance host, neither through PATCH /locations (refused while
// show_multiple_locations is off, the default since OSSN-0065) nor through the location API of 2.17.
import type { Image } from '../../src/glance/index.js';
import { expect, id } from '../fixtures.js';
import { needsVersion } from '../support/advertised.js';
import { type Principal, test } from '../support/two-projects.js';
import { imageEvidence, said } from './support.js';

const ADVISORY =
  'OSSN-0065 / OSSN-0090: image locations set by users (show_multiple_locations, location API)';
const HOST_FILE = 'file:///etc/passwd';

/** The member persona (the second user), or the primary user when there is none. */
function persona(alt: { user?: Principal }, me: Principal | undefined): Principal {
  const who = alt.user && !alt.user.isAdmin ? alt.user : me;
  test.skip(!who, 'no user with a project-scoped token to act as the image owner');
  return who as Principal;
}

test.describe('security: image locations', { tag: ['@security'] }, () => {
  test('PATCH add /locations naming a host file is refused and the image stays queued', {
    annotation: [id('security.locations.patch-host-file'), { type: 'advisory', description: ADVISORY }],
  }, async ({ alt, me, images }) => {
    const owner = persona(alt, me);
    const created = await owner.glance.images.create(images.fields('sec-loc-patch'));
    expect(created).toHaveStatus(201);
    const imageId = (created.body as Image).id;
    images.track(imageId);
    try {
      const res = await owner.glance.images.update(imageId, [
        { op: 'add', path: '/locations/-', value: { url: HOST_FILE, metadata: {} } },
      ]);
      const after = (await owner.glance.images.show(imageId)).body as Image | undefined;
      expect(
        res.status,
        `${said(res)} accepted a location at ${HOST_FILE}: ${imageEvidence(after)}`,
      ).toBeGreaterThanOrEqual(400);
      expect(res.status, `${said(res)}: a refusal is a 4xx`).toBeLessThan(500);
      expect(after?.status, `after ${said(res)}: ${imageEvidence(after)}`).toBe('queued');
    } finally {
      await owner.glance.images.delete(imageId).catch(() => undefined);
    }
  });

  test('POST /v2/images/{id}/locations naming a host file is refused and the image stays queued', {
    annotation: [id('security.locations.add-host-file'), { type: 'advisory', description: ADVISORY }],
  }, async ({ alt, me, images, ctx }) => {
    needsVersion(ctx, 'the location API (POST /v2/images/{id}/locations)', 'v2.17');
    const owner = persona(alt, me);
    const created = await owner.glance.images.create(images.fields('sec-loc-add'));
    expect(created).toHaveStatus(201);
    const imageId = (created.body as Image).id;
    images.track(imageId);
    try {
      const res = await owner.glance.images.addLocation(imageId, { url: HOST_FILE });
      const after = (await owner.glance.images.show(imageId)).body as Image | undefined;
      expect(
        res.status,
        `${said(res)} accepted a location at ${HOST_FILE}: ${imageEvidence(after)}`,
      ).toBeGreaterThanOrEqual(400);
      expect(res.status, `${said(res)}: a refusal is a 4xx`).toBeLessThan(500);
      expect(after?.status, `after ${said(res)}: ${imageEvidence(after)}`).toBe('queued');
      expect(after?.size ?? null, `after ${said(res)}: size`).toBeNull();
    } finally {
      await owner.glance.images.delete(imageId).catch(() => undefined);
    }
  });
});
