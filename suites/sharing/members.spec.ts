// Image sharing across two projects (api-ref: image/v2 "Sharing"); needs a second user (OS_ALT_*).
import type { Image } from '../../src/glance/index.js';
import { expect, ImageFactory, id } from '../fixtures.js';
import { expectImageBytes, localImage, sourceOf } from '../support/image-data.js';
import { type Principal, test } from '../support/two-projects.js';

async function visibleTo(user: Principal, imageId: string): Promise<boolean> {
  const res = await user.glance.images.list({ id: imageId });
  expect(res).toHaveStatus(200);
  return (res.body?.images ?? []).some((i) => i.id === imageId);
}

/** Both users, or the skip reason. */
function users(
  me: Principal | undefined,
  alt: { user?: Principal; reason?: string },
): [Principal, Principal] {
  test.skip(!alt.user, alt.reason ?? '');
  return [me as Principal, alt.user as Principal];
}

test.describe('sharing: members', { tag: ['@sharing'] }, () => {
  let shared: (purpose: string) => Promise<Image>;
  test.beforeEach(({ images }) => {
    shared = (purpose) => images.create(purpose, { visibility: 'shared' });
  });

  test('POST /v2/images/{id}/members adds the other project as pending and the image stays out of its list', {
    annotation: id('sharing.members.add-pending'),
  }, async ({ me, alt }) => {
    const [owner, member] = users(me, alt);
    const image = await shared('share-add');
    const res = await owner.glance.members.create(image.id, member.projectId);
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/member');
    expect(res.body).toMatchObject({ image_id: image.id, member_id: member.projectId, status: 'pending' });
    expect(await visibleTo(member, image.id), 'a pending share must not list the image for the member').toBe(
      false,
    );
  });

  test('PUT /v2/images/{id}/members/{member} accepted by the member lists the image for it and for the owner', {
    annotation: id('sharing.members.accept'),
  }, async ({ me, alt }) => {
    const [owner, member] = users(me, alt);
    const image = await shared('share-accept');
    expect(await owner.glance.members.create(image.id, member.projectId)).toHaveStatus(200);
    const res = await member.glance.members.update(image.id, member.projectId, 'accepted');
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/member');
    expect(res.body?.status).toBe('accepted');
    expect(await visibleTo(member, image.id), 'an accepted share lists the image for the member').toBe(true);
    const list = await owner.glance.members.list(image.id);
    expect(list).toHaveStatus(200);
    expect(list).toMatchSchema('glance/zed/members');
    expect(list.body?.members.map((m) => [m.member_id, m.status])).toEqual([[member.projectId, 'accepted']]);
    expect(await member.glance.images.show(image.id)).toHaveStatus(200);
  });

  test('PUT /v2/images/{id}/members/{member} rejected by the member keeps the image out of its list', {
    annotation: id('sharing.members.reject'),
  }, async ({ me, alt }) => {
    const [owner, member] = users(me, alt);
    const image = await shared('share-reject');
    expect(await owner.glance.members.create(image.id, member.projectId)).toHaveStatus(200);
    const res = await member.glance.members.update(image.id, member.projectId, 'rejected');
    expect(res).toHaveStatus(200);
    expect(res.body?.status).toBe('rejected');
    expect(await visibleTo(member, image.id), 'a rejected share must not list the image').toBe(false);
  });

  test('GET /v2/images/{id}/members/{member} shows the membership to the owner and to the member', {
    annotation: id('sharing.members.show'),
  }, async ({ me, alt }) => {
    const [owner, member] = users(me, alt);
    const image = await shared('share-show');
    expect(await owner.glance.members.create(image.id, member.projectId)).toHaveStatus(200);
    expect(await member.glance.members.update(image.id, member.projectId, 'accepted')).toHaveStatus(200);
    for (const who of [owner, member]) {
      const res = await who.glance.members.show(image.id, member.projectId);
      expect(res).toHaveStatus(200);
      expect(res).toMatchSchema('glance/zed/member');
      expect(res.body).toMatchObject({ image_id: image.id, member_id: member.projectId, status: 'accepted' });
    }
  });

  test('GET /v2/images?member_status=pending lists a pending share for the member', {
    annotation: id('sharing.members.list-member-status'),
  }, async ({ me, alt }) => {
    const [owner, member] = users(me, alt);
    const image = await shared('share-member-status');
    expect(await owner.glance.members.create(image.id, member.projectId)).toHaveStatus(200);
    const res = await member.glance.images.list({ member_status: 'pending', visibility: 'shared' });
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/images');
    expect(res.body?.images.map((i) => i.id)).toContain(image.id);
  });

  test('DELETE /v2/images/{id}/members/{member} by the owner returns 204 and hides the image from the member', {
    annotation: id('sharing.members.delete'),
  }, async ({ me, alt }) => {
    const [owner, member] = users(me, alt);
    const image = await shared('share-delete');
    expect(await owner.glance.members.create(image.id, member.projectId)).toHaveStatus(200);
    expect(await member.glance.members.update(image.id, member.projectId, 'accepted')).toHaveStatus(200);
    expect(await visibleTo(member, image.id)).toBe(true);
    const res = await owner.glance.members.delete(image.id, member.projectId);
    expect(res).toHaveStatus(204);
    expect(await visibleTo(member, image.id), 'the image is still listed for a removed member').toBe(false);
    expect(await member.glance.images.show(image.id)).toHaveStatus(404);
    expect(await owner.glance.members.show(image.id, member.projectId)).toHaveStatus(404);
  });
});

test.describe('sharing: refused member updates', { tag: ['@sharing', '@negative'] }, () => {
  test('PUT /v2/images/{id}/members/{member} with an unknown status returns 400', {
    annotation: id('sharing.members.invalid-status'),
  }, async ({ me, alt, images }) => {
    const [owner, member] = users(me, alt);
    const image = await images.create('share-bad-status', { visibility: 'shared' });
    expect(await owner.glance.members.create(image.id, member.projectId)).toHaveStatus(200);
    const res = await member.glance.members.update(
      image.id,
      member.projectId,
      'notavalidstatus' as 'accepted',
    );
    expect(res).toHaveStatus(400);
    expect(res).toMatchSchema('harness/glance-error');
  });

  test('PUT /v2/images/{id}/members/{member} accepted by a non-admin owner returns 403', {
    annotation: id('sharing.members.owner-cannot-accept'),
  }, async ({ me, alt, images, ctx }) => {
    const [primary, second] = users(me, alt);
    // Glance lets an admin change any membership, so the owner here must be the non-admin user.
    test.skip(
      primary.isAdmin && second.isAdmin,
      'both users are admins: policy lets an admin accept any share',
    );
    const [owner, member] = primary.isAdmin ? [second, primary] : [primary, second];
    const factory = owner === primary ? images : new ImageFactory(owner.glance, ctx);
    try {
      const image = await factory.create('share-owner-accept', { visibility: 'shared' });
      expect(await owner.glance.members.create(image.id, member.projectId)).toHaveStatus(200);
      const res = await owner.glance.members.update(image.id, member.projectId, 'accepted');
      expect(res).toHaveStatus(403);
      expect(res).toMatchSchema('harness/glance-error');
      const after = await owner.glance.members.show(image.id, member.projectId);
      expect(after.body?.status, 'the refused accept changed the membership').toBe('pending');
    } finally {
      if (factory !== images) await factory.dispose();
    }
  });
});

test.describe('sharing: deactivation', { tag: ['@sharing', '@lifecycle'] }, () => {
  test('POST /v2/images/{id}/actions/deactivate forbids the member download (403) until reactivated', {
    annotation: id('sharing.deactivate.member-download'),
  }, async ({ me, alt, images }) => {
    const [owner, member] = users(me, alt);
    const local = await localImage('raw');
    const image = await images.create('share-deactivate', { visibility: 'shared' });
    expect(await owner.glance.data.upload(image.id, sourceOf(local))).toHaveStatus(204);
    expect(await owner.glance.members.create(image.id, member.projectId)).toHaveStatus(200);
    expect(await member.glance.members.update(image.id, member.projectId, 'accepted')).toHaveStatus(200);

    expect(await owner.glance.images.deactivate(image.id)).toHaveStatus(204);
    const shown = await owner.glance.images.show(image.id);
    expect(shown.body?.status).toBe('deactivated');
    const denied = await member.glance.data.download(image.id);
    expect(denied).toHaveStatus(403);
    // Zed's default policy lets only admins download a deactivated image (owners included).
    const byOwner = await owner.glance.data.download(image.id);
    if (owner.isAdmin) expectImageBytes(byOwner, image.id, local.digests);
    else expect(byOwner).toHaveStatus(403);

    expect(await owner.glance.images.reactivate(image.id)).toHaveStatus(204);
    expect((await owner.glance.images.show(image.id)).body?.status).toBe('active');
    expectImageBytes(await member.glance.data.download(image.id), image.id, local.digests);
  });
});
