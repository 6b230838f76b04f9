/**
 * Zed policy and visibility with Keystone tokens (captures 7-20 … 7-24), members, list filters,
 * sorting and pagination, glance-direct import and the info endpoints (6-40 … 6-53).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ReferenceServer } from '../../src/reference/index.js';
import {
  LENGTH_403_DEACTIVATED_DOWNLOAD,
  PAGE_403_PUBLICIZE,
  PAGE_403_TASKS,
  page404Image,
  SMALL_QCOW2_SIZE,
  SMALL_QCOW2_VIRTUAL,
  TASK_KEYS,
  webobPage,
} from './captured.js';
import { call, createImage, qcow2, start, startSession, token, until, upload } from './helpers.js';

type Doc = Record<string, unknown> & { id: string };
type ListPage = { images: Doc[]; first: string; next?: string };

describe('reference Glance policy and visibility (captures 7-20 … 7-24)', () => {
  let ref: ReferenceServer;
  let g: string;
  let admin: string;
  let demo: string;
  let demoProject: string;
  const small = qcow2(SMALL_QCOW2_SIZE, SMALL_QCOW2_VIRTUAL);

  const ids = async (query: string, tok: string) =>
    ((await (await call(g, `/v2/images${query}`, { token: tok })).json()) as ListPage).images.map(
      (i) => i.id,
    );

  before(async () => {
    ({ ref, g, admin, demo } = await startSession());
    const own = await createImage(g, { name: 'whoami' }, demo);
    demoProject = String(own.owner);
  });
  after(() => ref.close());

  it('POST /v2/images as a member with visibility public returns the captured 403', async () => {
    const res = await call(g, '/v2/images', {
      method: 'POST',
      token: demo,
      json: { name: 'pub', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' },
    });
    assert.equal(res.status, 403);
    assert.equal(await res.text(), PAGE_403_PUBLICIZE);
  });

  it("GET /v2/images/{id} as a member for the admin's shared image returns the captured 404", async () => {
    const img = await createImage(g, { name: 'ks-img' }, admin);
    const res = await call(g, `/v2/images/${img.id}`, { token: demo });
    assert.equal(res.status, 404);
    assert.equal(await res.text(), page404Image(img.id));
  });

  it('GET /v2/tasks returns the captured 403 for a member and the task list for an admin (as the live lab does)', async () => {
    const res = await call(g, '/v2/tasks', { token: demo });
    assert.equal(res.status, 403);
    assert.equal(await res.text(), PAGE_403_TASKS);
    const listed = await call(g, '/v2/tasks', { token: admin, headers: { accept: 'application/json' } });
    assert.equal(listed.status, 200);
    assert.deepEqual(await listed.json(), { tasks: [], first: '/v2/tasks', schema: '/v2/schemas/tasks' });
    const bad = await call(g, '/v2/tasks?status=bogus', {
      token: admin,
      headers: { accept: 'application/json' },
    });
    assert.equal(bad.status, 400);
    const gone = await call(g, `/v2/tasks/${randomUUID()}`, {
      method: 'DELETE',
      token: admin,
      headers: { accept: 'application/json' },
    });
    assert.equal(gone.status, 405);
    assert.equal(gone.headers.get('allow'), 'GET');
    assert.match(
      ((await gone.json()) as { message: string }).message,
      /^This operation is currently not permitted on Glance Tasks\./,
    );
  });

  it('POST deactivate by a member on its own image is 204; its download is then 403, the admin still gets 200', async () => {
    const img = await createImage(g, { name: 'demo-img' }, demo);
    assert.equal((await upload(g, img.id, small, demo)).status, 204);
    const deactivate = await call(g, `/v2/images/${img.id}/actions/deactivate`, {
      method: 'POST',
      token: demo,
    });
    assert.equal(deactivate.status, 204);
    const denied = await call(g, `/v2/images/${img.id}/file`, { token: demo });
    assert.equal(denied.status, 403);
    const body = await denied.text();
    assert.equal(Buffer.byteLength(body), LENGTH_403_DEACTIVATED_DOWNLOAD);
    assert.equal(
      body,
      webobPage(
        '403 Forbidden',
        'The requested image has been deactivated. Image data download is forbidden.',
      ),
    );
    const allowed = await call(g, `/v2/images/${img.id}/file`, { token: admin });
    assert.equal(allowed.status, 200);
    assert.equal(Buffer.from(await allowed.arrayBuffer()).length, SMALL_QCOW2_SIZE);
  });

  it('a member cannot modify, delete or deactivate an image it can only see', async () => {
    const pub = await createImage(g, { name: 'pub', visibility: 'public' }, admin);
    const patch = await call(g, `/v2/images/${pub.id}`, {
      method: 'PATCH',
      token: demo,
      headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
      json: [{ op: 'replace', path: '/name', value: 'mine' }],
    });
    assert.equal(patch.status, 403);
    await patch.arrayBuffer();
    const del = await call(g, `/v2/images/${pub.id}`, { method: 'DELETE', token: demo });
    assert.equal(del.status, 403);
    await del.arrayBuffer();
    const act = await call(g, `/v2/images/${pub.id}/actions/deactivate`, { method: 'POST', token: demo });
    assert.equal(act.status, 403);
    await act.arrayBuffer();
    assert.equal((await call(g, `/v2/images/${pub.id}`, { token: demo })).status, 200);
  });

  it('GET /v2/images lists own, public and accepted shared images for a member; admins see everything', async () => {
    const shared = await createImage(g, { name: 'shared-by-admin' }, admin);
    const priv = await createImage(g, { name: 'private-admin', visibility: 'private' }, admin);
    const pub = await createImage(g, { name: 'public-admin', visibility: 'public' }, admin);
    const community = await createImage(g, { name: 'community-admin', visibility: 'community' }, admin);

    let seen = await ids('?limit=100', demo);
    assert.ok(seen.includes(pub.id));
    assert.ok(!seen.includes(shared.id) && !seen.includes(priv.id) && !seen.includes(community.id));
    assert.ok((await ids('?visibility=community', demo)).includes(community.id));
    assert.equal((await call(g, `/v2/images/${community.id}`, { token: demo })).status, 200);

    const added = await call(g, `/v2/images/${shared.id}/members`, {
      method: 'POST',
      token: admin,
      json: { member: demoProject },
    });
    assert.equal(added.status, 200);
    const member = (await added.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(member), [
      'member_id',
      'image_id',
      'status',
      'created_at',
      'updated_at',
      'schema',
    ]);
    assert.equal(member.status, 'pending');
    assert.equal(member.schema, '/v2/schemas/member');

    seen = await ids('?limit=100', demo);
    assert.ok(!seen.includes(shared.id), 'pending membership is not listed by default');
    assert.ok((await ids('?member_status=pending', demo)).includes(shared.id));
    assert.equal((await call(g, `/v2/images/${shared.id}`, { token: demo })).status, 200);

    const accept = await call(g, `/v2/images/${shared.id}/members/${demoProject}`, {
      method: 'PUT',
      token: demo,
      json: { status: 'accepted' },
    });
    assert.equal(accept.status, 200);
    assert.equal(((await accept.json()) as { status: string }).status, 'accepted');
    assert.ok((await ids('?limit=100', demo)).includes(shared.id));

    const all = await ids('?limit=100', admin);
    for (const id of [shared.id, priv.id, pub.id, community.id]) assert.ok(all.includes(id));
  });

  it('members API: owner lists and deletes, duplicates are 409, a member cannot add, an admin may set the status', async () => {
    const img = await createImage(g, { name: 'members' }, admin);
    const path = `/v2/images/${img.id}/members`;
    assert.equal(
      (await call(g, path, { method: 'POST', token: admin, json: { member: demoProject } })).status,
      200,
    );
    const dup = await call(g, path, { method: 'POST', token: admin, json: { member: demoProject } });
    assert.equal(dup.status, 409);
    await dup.arrayBuffer();
    const list = (await (await call(g, path, { token: admin })).json()) as {
      members: Array<{ member_id: string }>;
    };
    assert.deepEqual(
      list.members.map((m) => m.member_id),
      [demoProject],
    );
    const asMember = (await (await call(g, path, { token: demo })).json()) as { members: unknown[] };
    assert.equal(asMember.members.length, 1);
    const byMember = await call(g, path, { method: 'POST', token: demo, json: { member: 'someone-else' } });
    assert.equal(byMember.status, 403);
    await byMember.arrayBuffer();
    const ownerAccepts = await call(g, `${path}/${demoProject}`, {
      method: 'PUT',
      token: admin,
      json: { status: 'accepted' },
    });
    assert.equal(ownerAccepts.status, 200, 'admins may act for the member');
    await ownerAccepts.arrayBuffer();
    const show = await call(g, `${path}/${demoProject}`, { token: demo });
    assert.equal(show.status, 200);
    await show.arrayBuffer();
    assert.equal((await call(g, `${path}/${demoProject}`, { method: 'DELETE', token: admin })).status, 204);
    assert.equal((await call(g, `/v2/images/${img.id}`, { token: demo })).status, 404);
    const priv = await createImage(g, { visibility: 'private' }, admin);
    const notShared = await call(g, `/v2/images/${priv.id}/members`, { token: admin });
    assert.equal(notShared.status, 403);
    assert.match(await notShared.text(), /Only shared images have members\./);
  });

  it('GET /v2/info/stores/detail is admin-only and names the store directory', async () => {
    const res = await call(g, '/v2/info/stores/detail', { token: admin });
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { stores: Array<{ id: string; properties: { data_dir?: string } }> };
    assert.match(doc.stores[0]?.properties.data_dir ?? '', /\/images\/$/);
    const member = await call(g, '/v2/info/stores/detail', { token: demo });
    assert.equal(member.status, 403);
    await member.arrayBuffer();
  });
});

describe('reference Glance list filters, sorting and pagination', () => {
  let ref: ReferenceServer;
  let g: string;
  const made: Doc[] = [];

  const list = async (query: string) => (await (await call(g, `/v2/images${query}`)).json()) as ListPage;
  const names = async (query: string) => (await list(query)).images.map((i) => i.name);

  before(async () => {
    ref = await start({ auth: 'none' });
    g = ref.glanceUrl;
    const specs = [
      { name: 'alpha', disk_format: 'raw', tags: ['x', 'y'], os_distro: 'debian' },
      { name: 'bravo', disk_format: 'qcow2', tags: ['x'], visibility: 'public' },
      { name: 'charlie', disk_format: 'qcow2', container_format: 'ovf', os_hidden: true },
      { name: 'delta', disk_format: 'vmdk', visibility: 'private', owner: 'other-project' },
      { name: 'echo', disk_format: 'raw' },
    ];
    for (const spec of specs) made.push(await createImage(g, spec));
    const alpha = made[0];
    const echo = made[4];
    assert.ok(alpha && echo);
    await upload(g, alpha.id, Buffer.alloc(1000));
    await upload(g, echo.id, Buffer.alloc(5000));
  });
  after(() => ref.close());

  it('filters by name, status, visibility, formats, size, tag, owner, os_hidden and properties', async () => {
    assert.deepEqual(await names('?name=alpha'), ['alpha']);
    assert.deepEqual((await names('?status=active&sort_key=name&sort_dir=asc')).sort(), ['alpha', 'echo']);
    assert.deepEqual(await names('?visibility=public'), ['bravo']);
    assert.deepEqual(await names('?visibility=private'), ['delta']);
    assert.deepEqual(await names('?disk_format=vmdk'), ['delta']);
    assert.deepEqual(await names('?container_format=ovf&os_hidden=true'), ['charlie']);
    assert.deepEqual(await names('?size_min=2000'), ['echo']);
    assert.deepEqual(await names('?size_max=2000'), ['alpha']);
    assert.deepEqual(await names('?tag=x&tag=y'), ['alpha']);
    assert.deepEqual(await names('?owner=other-project'), ['delta']);
    assert.ok(!(await names('')).includes('charlie'), 'hidden images are not listed by default');
    assert.deepEqual(await names('?os_hidden=true'), ['charlie']);
    assert.deepEqual(await names('?os_distro=debian'), ['alpha']);
    assert.deepEqual(await names('?name=in:alpha,echo&sort=name:asc'), ['alpha', 'echo']);
  });

  it('filters on the image columns size, virtual_size, min_ram, min_disk, checksum and hashes as MySQL compares them', async () => {
    assert.deepEqual(await names('?size=5000'), ['echo']);
    assert.deepEqual(await names('?size=5000abc'), ['echo'], 'a numeric prefix');
    assert.deepEqual(await names('?size=4999'), []);
    assert.deepEqual(await names('?size=in:5000,1000'), [], 'no in: on columns: "in:…" is 0');
    assert.deepEqual(await names('?virtual_size=1000'), ['alpha']);
    assert.deepEqual((await names('?min_ram=0&sort=name:asc')).length, 4, 'every listed image has min_ram 0');
    assert.deepEqual((await names('?min_disk=abc')).length, 4, '"abc" is 0');
    const echo = made[4]!;
    const shown = (await (await call(g, `/v2/images/${echo.id}`)).json()) as { checksum: string };
    assert.deepEqual(await names(`?checksum=${shown.checksum.toUpperCase()}`), ['echo']);
    assert.deepEqual((await names('?os_hash_algo=SHA512&sort=name:asc')).sort(), ['alpha', 'echo']);
  });

  it('sorts with sort_key/sort_dir and with sort=key:dir; bad keys and directions are 400', async () => {
    assert.deepEqual(await names('?sort_key=name&sort_dir=asc'), ['alpha', 'bravo', 'delta', 'echo']);
    assert.deepEqual(await names('?sort=name:desc'), ['echo', 'delta', 'bravo', 'alpha']);
    assert.deepEqual(await names('?sort=size:desc,name:asc'), ['echo', 'alpha', 'bravo', 'delta']);
    const badKey = await call(g, '/v2/images?sort_key=colour');
    assert.equal(badKey.status, 400);
    assert.match(await badKey.text(), /Invalid sort key: colour/);
    const badDir = await call(g, '/v2/images?sort_key=name&sort_dir=up');
    assert.equal(badDir.status, 400);
    await badDir.arrayBuffer();
    const mixed = await call(g, '/v2/images?sort=name:asc&sort_key=size');
    assert.equal(mixed.status, 400);
    await mixed.arrayBuffer();
  });

  it('pages with limit and marker; next links chain through every image once', async () => {
    const seen: string[] = [];
    let next: string | undefined = '/v2/images?limit=2&sort_key=name&sort_dir=asc';
    let pages = 0;
    while (next) {
      const page = (await (await call(g, next)).json()) as ListPage;
      assert.equal(page.first, '/v2/images?limit=2&sort_key=name&sort_dir=asc');
      seen.push(...page.images.map((i) => String(i.name)));
      next = page.next;
      pages++;
    }
    assert.deepEqual(seen, ['alpha', 'bravo', 'delta', 'echo']);
    assert.equal(pages, 3);
    const badMarker = await call(g, '/v2/images?marker=00000000-0000-0000-0000-000000000000');
    assert.equal(badMarker.status, 400);
    await badMarker.arrayBuffer();
    const badLimit = await call(g, '/v2/images?limit=-1');
    assert.equal(badLimit.status, 400);
    await badLimit.arrayBuffer();
  });
});

describe('reference Glance interoperable import (captures 6-50 … 6-53)', () => {
  let ref: ReferenceServer;
  let g: string;
  let admin: string;
  const small = qcow2(SMALL_QCOW2_SIZE, SMALL_QCOW2_VIRTUAL);

  before(async () => {
    ref = await start();
    g = ref.glanceUrl;
    admin = await token(ref, 'admin');
  });
  after(() => ref.close());

  it('PUT stage (204, uploading) then POST import glance-direct (202) ends active with a success task', async () => {
    const img = await createImage(g, {}, admin);
    const staged = await call(g, `/v2/images/${img.id}/stage`, {
      method: 'PUT',
      token: admin,
      headers: { 'content-type': 'application/octet-stream' },
      body: small,
    });
    assert.equal(staged.status, 204);
    assert.equal(staged.headers.get('content-type'), 'text/html; charset=UTF-8');
    const mid = (await (await call(g, `/v2/images/${img.id}`, { token: admin })).json()) as Doc;
    assert.equal(mid.status, 'uploading');

    const imported = await call(g, `/v2/images/${img.id}/import`, {
      method: 'POST',
      token: admin,
      json: { method: { name: 'glance-direct' } },
    });
    assert.equal(imported.status, 202);
    assert.equal(imported.headers.get('content-length'), '0');
    const requestId = imported.headers.get('x-openstack-request-id');
    let doc: Doc = img;
    await until(async () => {
      doc = (await (await call(g, `/v2/images/${img.id}`, { token: admin })).json()) as Doc;
      return doc.status === 'active';
    });
    assert.equal(doc.size, SMALL_QCOW2_SIZE);
    assert.equal(doc.virtual_size, SMALL_QCOW2_VIRTUAL);
    assert.equal(doc.os_glance_failed_import, '');
    assert.equal(doc.os_glance_importing_to_stores, '');

    const tasks = (await (await call(g, `/v2/images/${img.id}/tasks`, { token: admin })).json()) as {
      tasks: Array<Record<string, unknown>>;
    };
    const task = tasks.tasks[0];
    assert.ok(task);
    assert.deepEqual(Object.keys(task), TASK_KEYS);
    assert.equal(task.type, 'api_image_import');
    assert.equal(task.status, 'success');
    assert.equal(task.request_id, requestId);
    assert.equal(task.owner, doc.owner);
    assert.equal(task.message, 'Copied 0 MiB');
    assert.deepEqual(task.input, {
      image_id: img.id,
      import_req: { method: { name: 'glance-direct' } },
      backend: ['fs'],
    });
    assert.deepEqual(task.result, { image_id: img.id });
    assert.match(String(task.expires_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);

    const file = await call(g, `/v2/images/${img.id}/file`, { token: admin });
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), small);
  });

  it('POST import refuses unstaged glance-direct, active images and loopback web-download URIs', async () => {
    const img = await createImage(g, {}, admin);
    const imp = (body: unknown, id = img.id) =>
      call(g, `/v2/images/${id}/import`, { method: 'POST', token: admin, json: body });
    const unstaged = await imp({ method: { name: 'glance-direct' } });
    assert.equal(unstaged.status, 409);
    assert.match(await unstaged.text(), /needs to be staged/);
    const loopback = await imp({ method: { name: 'web-download', uri: 'http://127.0.0.1:8080/' } });
    assert.equal(loopback.status, 400);
    assert.match(await loopback.text(), /URI for web-download does not pass filtering/);
    // A name that does not resolve (Tempest's bad-URL test; Debian 25.1 answers this 400).
    const unresolvable = await imp({
      method: { name: 'web-download', uri: 'http://does-not.exist/no/possible/way' },
    });
    assert.equal(unresolvable.status, 400);
    assert.match(
      await unresolvable.text(),
      /URI for web-download does not pass filtering: http:\/\/does-not\.exist\/no\/possible\/way/,
    );
    await upload(g, img.id, small, admin);
    const active = await imp({ method: { name: 'web-download', uri: 'http://127.0.0.1:8080/' } });
    assert.equal(active.status, 409);
    assert.equal(
      await active.text(),
      webobPage('409 Conflict', 'Image with status active cannot be target for import'),
    );
  });
});
