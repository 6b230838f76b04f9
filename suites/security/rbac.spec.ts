// RBAC personas under the release's default policy: a project reader reads but does not write, a
// member does not publicize nor touch another project's image, an admin does both.
import { randomUUID } from 'node:crypto';
import type { ApiResponse, Image } from '../../src/glance/index.js';
import { runImageName, runTags } from '../../src/run/naming.js';
import { expect, id } from '../fixtures.js';
import { bytesOf } from '../support/image-data.js';
import { memberOf, type Principal, test as twoProjects } from '../support/two-projects.js';
import { acceptedByTarget, isLegacyFamily, said } from './support.js';

const ADVISORY = 'Glance secure RBAC (SRBAC) default policy: project reader/member/admin personas';
const ZED_READER_DEFAULT =
  'Zed 25.x runs the legacy default policy ([oslo_policy] enforce_new_defaults=False, enforce_scope=False): ' +
  'any role on a project, reader included, may create and change that project’s images';

const test = twoProjects.extend<{ reader: Principal | string }, { readerTarget: Principal | string }>({
  readerTarget: [
    async ({ run }, use) => {
      const reader = run.ctx.reader ?? { skipReason: 'this run context carries no reader persona' };
      if ('error' in reader) throw new Error(reader.error);
      if ('skipReason' in reader) {
        await use(reader.skipReason);
        return;
      }
      const { projectId, roles } = reader.ok;
      if (!projectId) {
        await use('the reader user has no project-scoped token');
        return;
      }
      const glance = run.clientFor(reader.ok.name, reader.ok.endpoint);
      await use({ glance, projectId, roles, isAdmin: roles.includes('admin') });
    },
    { scope: 'worker' },
  ],
  reader: async ({ readerTarget, exchanges: _recording }, use) => {
    await use(readerTarget);
  },
});

function readerOf(reader: Principal | string): Principal {
  if (typeof reader === 'string') test.skip(true, reader);
  const r = reader as Principal;
  test.skip(
    r.roles.some((role) => role === 'member' || role === 'admin'),
    `the reader user carries ${r.roles.join(', ')} on its project: the reader checks need only reader`,
  );
  return r;
}

function refused(res: ApiResponse): boolean {
  return res.status === 403 || res.status === 404;
}

const SMALL = Buffer.from('glance-harness rbac image\n');

test.describe('security: rbac', { tag: ['@security'] }, () => {
  test('GET /v2/images and /v2/images/{id} as a project reader return 200, file as the release allows', {
    annotation: [id('security.rbac.reader-read'), { type: 'advisory', description: ADVISORY }],
  }, async ({ glance, images, reader, me, ctx }) => {
    const r = readerOf(reader);
    test.skip(
      !me?.isAdmin,
      'creating an image owned by the reader’s project needs an admin as the primary user',
    );
    const image = await images.create('sec-reader-read', { owner: r.projectId });
    expect(await glance.data.upload(image.id, bytesOf(SMALL))).toHaveStatus(204);
    const list = await r.glance.images.list();
    expect(list).toHaveStatus(200);
    const show = await r.glance.images.show(image.id);
    expect(show).toHaveStatus(200);
    const dl = await r.glance.data.download(image.id);
    if (dl.status === 403 && !isLegacyFamily(ctx)) {
      // Glance's secure-RBAC default download_image is ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE: role:member.
      test.info().annotations.push({
        type: 'finding',
        description: `${said(dl)}: the release's default download_image rule needs role:member, so a project reader cannot download`,
      });
      return;
    }
    expect(dl).toHaveStatus(200);
    expect(dl.received.size, `${said(dl)}: bytes received`).toBe(SMALL.length);
  });

  test('POST, PATCH, PUT file, POST members and DELETE as a project reader return 403', {
    annotation: [id('security.rbac.reader-write'), { type: 'advisory', description: ADVISORY }],
  }, async ({ images, reader, me, ctx }) => {
    const r = readerOf(reader);
    test.skip(
      !me?.isAdmin,
      'creating an image owned by the reader’s project needs an admin as the primary user',
    );
    const image = await images.create('sec-reader-write', { owner: r.projectId, visibility: 'shared' });
    const allowed: string[] = [];
    const created = await r.glance.images.create({
      name: runImageName(ctx.prefix, ctx.runId, 'sec-reader-create'),
      disk_format: 'raw',
      container_format: 'bare',
      tags: runTags(ctx.runId),
    });
    const createdId = (created.body as Image | undefined)?.id;
    if (createdId) images.track(createdId);
    if (!refused(created)) allowed.push(said(created));
    const patched = await r.glance.images.update(image.id, [{ op: 'add', path: '/sec_reader', value: 'x' }]);
    if (!refused(patched)) allowed.push(said(patched));
    const uploaded = await r.glance.data.upload(image.id, bytesOf(SMALL));
    if (!refused(uploaded)) allowed.push(said(uploaded));
    const shared = await r.glance.members.create(image.id, me?.projectId ?? randomUUID().replace(/-/g, ''));
    if (!refused(shared)) allowed.push(said(shared));
    const deleted = await r.glance.images.delete(image.id);
    if (!refused(deleted)) allowed.push(said(deleted));
    if (allowed.length === 0) return;
    acceptedByTarget(ctx, `a project reader was allowed: ${allowed.join('; ')}`, ZED_READER_DEFAULT);
  });

  test('PATCH /v2/images/{id} visibility public as a project member returns 403', {
    annotation: [id('security.rbac.member-publicize'), { type: 'advisory', description: ADVISORY }],
  }, async ({ alt, images, ctx }) => {
    const member = memberOf(alt);
    const created = await member.glance.images.create({
      name: runImageName(ctx.prefix, ctx.runId, 'sec-member-publicize'),
      disk_format: 'raw',
      container_format: 'bare',
      tags: runTags(ctx.runId),
    });
    expect(created).toHaveStatus(201);
    const imageId = (created.body as Image).id;
    images.track(imageId);
    try {
      const res = await member.glance.images.update(imageId, [
        { op: 'replace', path: '/visibility', value: 'public' },
      ]);
      expect(res, `a project member publicized its image: ${said(res)}`).toHaveStatus(403);
    } finally {
      await member.glance.images.delete(imageId).catch(() => undefined);
    }
  });

  test('PATCH and DELETE /v2/images/{id} of another project’s image as a member are refused, as admin allowed', {
    annotation: [id('security.rbac.member-cross-project'), { type: 'advisory', description: ADVISORY }],
  }, async ({ glance, images, alt, me, ctx }) => {
    const member = memberOf(alt);
    const image = await images.create('sec-cross-project', { visibility: 'public' });
    const patched = await member.glance.images.update(image.id, [
      { op: 'add', path: '/sec_member', value: 'x' },
    ]);
    expect(patched, `a member changed another project’s image: ${said(patched)}`).toHaveStatus([403, 404]);
    const deleted = await member.glance.images.delete(image.id);
    expect(deleted, `a member deleted another project’s image: ${said(deleted)}`).toHaveStatus([403, 404]);
    test.skip(!me?.isAdmin, 'the primary user is not an admin: the admin half needs one');
    const own = await member.glance.images.create({
      name: runImageName(ctx.prefix, ctx.runId, 'sec-admin-target'),
      disk_format: 'raw',
      container_format: 'bare',
      tags: runTags(ctx.runId),
    });
    expect(own).toHaveStatus(201);
    const ownId = (own.body as Image).id;
    images.track(ownId);
    const adminPatch = await glance.images.update(ownId, [
      { op: 'replace', path: '/visibility', value: 'public' },
    ]);
    expect(adminPatch, 'an admin publicizes another project’s image').toHaveStatus(200);
    const adminDelete = await glance.images.delete(ownId);
    expect(adminDelete, 'an admin deletes another project’s image').toHaveStatus(204);
  });
});
