// Image locations pointing at a host file: a project member must not be able to point its image's
// bytes at a file on the Glance host, neither through PATCH /locations (refused while
// show_multiple_locations is off, the default since OSSN-0065) nor through the location API of 2.17.
import type { ApiResponse, Image } from '../../src/glance/index.js';
import { expect, type ImageFactory, id } from '../fixtures.js';
import { needsVersion } from '../support/advertised.js';
import { type Principal, test } from '../support/two-projects.js';
import { imageEvidence, said } from './support.js';

const ADVISORY =
  'OSSN-0065 / OSSN-0090: image locations set by users (show_multiple_locations, location API)';
const HOST_FILE = 'file:///etc/passwd';

/**
 * A queued image of the run and the user owning it: the member persona (the second user) when there
 * is one, else the primary user (whose create the factory skips for a reader-only persona).
 */
async function ownedImage(
  alt: { user?: Principal },
  me: Principal | undefined,
  images: ImageFactory,
  purpose: string,
): Promise<{ owner: Principal; imageId: string }> {
  const member = alt.user && !alt.user.isAdmin ? alt.user : undefined;
  if (!member) {
    test.skip(!me, 'no user with a project-scoped token to act as the image owner');
    return { owner: me as Principal, imageId: (await images.create(purpose)).id };
  }
  const created = await member.glance.images.create(images.fields(purpose));
  expect(created).toHaveStatus(201);
  const imageId = (created.body as Image).id;
  images.track(imageId);
  return { owner: member, imageId };
}

/** The call naming a host file was refused (4xx) and left the image queued with no data. */
async function expectRefused(owner: Principal, imageId: string, res: ApiResponse): Promise<void> {
  const after = (await owner.glance.images.show(imageId)).body as Image | undefined;
  expect(
    res.status,
    `${said(res)} accepted a location at ${HOST_FILE}: ${imageEvidence(after)}`,
  ).toBeGreaterThanOrEqual(400);
  expect(res.status, `${said(res)}: a refusal is a 4xx`).toBeLessThan(500);
  expect(after?.status, `after ${said(res)}: ${imageEvidence(after)}`).toBe('queued');
  expect(after?.size ?? null, `after ${said(res)}: size`).toBeNull();
}

test.describe('security: image locations', { tag: ['@security'] }, () => {
  test('PATCH add /locations naming a host file is refused and the image stays queued', {
    annotation: [id('security.locations.patch-host-file'), { type: 'advisory', description: ADVISORY }],
  }, async ({ alt, me, images }) => {
    const { owner, imageId } = await ownedImage(alt, me, images, 'sec-loc-patch');
    try {
      const patch = [{ op: 'add' as const, path: '/locations/-', value: { url: HOST_FILE, metadata: {} } }];
      await expectRefused(owner, imageId, await owner.glance.images.update(imageId, patch));
    } finally {
      await owner.glance.images.delete(imageId).catch(() => undefined);
    }
  });

  test('POST /v2/images/{id}/locations naming a host file is refused and the image stays queued', {
    annotation: [id('security.locations.add-host-file'), { type: 'advisory', description: ADVISORY }],
  }, async ({ alt, me, images, ctx }) => {
    needsVersion(ctx, 'the location API (POST /v2/images/{id}/locations)', 'v2.17');
    const { owner, imageId } = await ownedImage(alt, me, images, 'sec-loc-add');
    try {
      await expectRefused(owner, imageId, await owner.glance.images.addLocation(imageId, { url: HOST_FILE }));
    } finally {
      await owner.glance.images.delete(imageId).catch(() => undefined);
    }
  });
});
