/**
 * Reference Glance core behaviour against the captures taken with the paste flavor unset (noauth,
 * transcripts 4-6): versions, schemas, image CRUD, patch, tags, data, actions, errors.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ReferenceServer } from '../../src/reference/index.js';
import {
  ACCEPT_PATCH,
  BAD_DISK_FORMAT_FIRST_LINE,
  EMPTY_IMAGE_LIST,
  EMPTY_MEMBERS,
  IMAGE_KEYS,
  INFO_IMPORT,
  INFO_STORES,
  INFO_USAGE,
  json404Image,
  LENGTH_400_BAD_DISK_FORMAT,
  PAGE_400_TAGS_DASH,
  PAGE_403_READONLY_STATUS,
  PAGE_403_TASKS,
  PAGE_404_RESOURCE,
  PAGE_409_ACTIVE,
  PAGE_415_PATCH,
  PAGE_415_UPLOAD,
  page404Delete,
  page404Image,
  SMALL_QCOW2_SIZE,
  SMALL_QCOW2_VIRTUAL,
  versionsBody,
} from './captured.js';
import {
  call,
  createImage,
  ISO_SECONDS,
  qcow2,
  REQUEST_ID,
  raw,
  start,
  UUID,
  until,
  upload,
} from './helpers.js';

const PATCH_21 = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

describe('reference Glance core (noauth, captures 4-6)', () => {
  let ref: ReferenceServer;
  let g: string;
  let host: string;
  const small = qcow2(SMALL_QCOW2_SIZE, SMALL_QCOW2_VIRTUAL);

  before(async () => {
    // 6-40 was captured with enabled_backends = fs:file,http:http (the lab now runs multi:fs).
    ref = await start({ auth: 'none', stores: 'multi:fs,http' });
    g = ref.glanceUrl;
    host = new URL(g).host;
  });
  after(() => ref.close());

  it('GET /v2/images on an empty database returns the captured empty list', async () => {
    const res = await call(g, '/v2/images');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    assert.equal(await res.text(), EMPTY_IMAGE_LIST);
  });

  it('GET / returns 300 with the versions document built from the Host header and no request id', async () => {
    const res = await call(g, '/');
    assert.equal(res.status, 300);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('x-openstack-request-id'), null);
    assert.equal(await res.text(), versionsBody(host));
    assert.equal(Buffer.byteLength(versionsBody('127.0.0.1:9292')), 1577);
  });

  it('GET /versions returns 200 with the same document; a foreign Host shows in the hrefs', async () => {
    const res = await call(g, '/versions');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), versionsBody(host));
    const other = await raw(`${g}/versions`, {
      method: 'GET',
      headers: { host: 'images.example.test:9292' },
    });
    assert.equal(other.body, versionsBody('images.example.test:9292'));
  });

  it('GET /v2 redirects 302 to /v2/ and GET /v2/ is 404 with the webob page', async () => {
    const redirect = await call(g, '/v2');
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), `http://${host}/v2/`);
    assert.equal(redirect.headers.get('content-type'), 'text/plain; charset=utf8');
    assert.match(redirect.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    const missing = await call(g, '/v2/');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.equal(await missing.text(), PAGE_404_RESOURCE);
  });

  it('GET /healthcheck returns 200 OK as text/plain', async () => {
    const res = await call(g, '/healthcheck');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=UTF-8');
    assert.equal(await res.text(), 'OK');
  });

  it('GET /v2/schemas/image returns the captured bytes; every captured schema is served', async () => {
    const res = await call(g, '/v2/schemas/image');
    assert.equal(res.status, 200);
    const expected = readFileSync(
      new URL('../../schemas/glance/zed/image.raw.json', import.meta.url),
      'utf8',
    );
    assert.equal(await res.text(), expected);
    const names = [
      'images',
      'member',
      'members',
      'task',
      'tasks',
      'metadefs/namespace',
      'metadefs/namespaces',
    ];
    names.push('metadefs/object', 'metadefs/properties', 'metadefs/resource_type', 'metadefs/tag');
    for (const name of names) {
      const file = new URL(`../../schemas/glance/zed/${name.replace('/', '-')}.json`, import.meta.url);
      const served = await call(g, `/v2/schemas/${name}`);
      assert.equal(served.status, 200, name);
      assert.deepEqual(await served.json(), JSON.parse(readFileSync(file, 'utf8')), name);
    }
  });

  it('POST /v2/images returns 201 with Location, import methods and the captured defaults', async () => {
    const res = await call(g, '/v2/images', {
      method: 'POST',
      json: { name: 't', disk_format: 'qcow2', container_format: 'bare' },
    });
    assert.equal(res.status, 201);
    const doc = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), IMAGE_KEYS);
    const id = String(doc.id);
    assert.match(id, UUID);
    assert.equal(res.headers.get('location'), `http://${host}/v2/images/${id}`);
    assert.equal(res.headers.get('openstack-image-import-methods'), 'glance-direct,web-download,copy-image');
    assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    assert.deepEqual(
      { ...doc, id: undefined, created_at: undefined, updated_at: undefined },
      {
        name: 't',
        disk_format: 'qcow2',
        container_format: 'bare',
        visibility: 'shared',
        size: null,
        virtual_size: null,
        status: 'queued',
        checksum: null,
        protected: false,
        min_ram: 0,
        min_disk: 0,
        owner: null,
        os_hidden: false,
        os_hash_algo: null,
        os_hash_value: null,
        id: undefined,
        created_at: undefined,
        updated_at: undefined,
        tags: [],
        self: `/v2/images/${id}`,
        file: `/v2/images/${id}/file`,
        schema: '/v2/schemas/image',
      },
    );
    assert.match(String(doc.created_at), ISO_SECONDS);
    assert.equal(doc.created_at, doc.updated_at);
  });

  it('POST /v2/images keeps extra properties as strings, first in the document', async () => {
    const doc = await createImage(g, { os_distro: 'debian', hw_disk_bus: 'scsi', tags: ['a', 'b'] });
    assert.deepEqual(Object.keys(doc).slice(0, 2), ['os_distro', 'hw_disk_bus']);
    assert.equal(doc.hw_disk_bus, 'scsi');
    assert.deepEqual(doc.tags, ['a', 'b']);
    const bad = await call(g, '/v2/images', { method: 'POST', json: { name: 'x', hw_cpu: 4 } });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /4 is not of type &#x27;string&#x27;/);
  });

  it('POST /v2/images with a read-only attribute returns the captured 403', async () => {
    const res = await call(g, '/v2/images', { method: 'POST', json: { name: 'x', status: 'active' } });
    assert.equal(res.status, 403);
    assert.equal(await res.text(), PAGE_403_READONLY_STATUS);
  });

  it('POST /v2/images with a bad disk_format returns the captured 400 (1074 bytes)', async () => {
    const res = await call(g, '/v2/images', {
      method: 'POST',
      json: { name: 'x', disk_format: 'bogus', container_format: 'bare' },
    });
    assert.equal(res.status, 400);
    const body = await res.text();
    assert.equal(Buffer.byteLength(body), LENGTH_400_BAD_DISK_FORMAT);
    assert.equal(body.split('\n')[6], BAD_DISK_FORMAT_FIRST_LINE);
    const container = await call(g, '/v2/images', { method: 'POST', json: { container_format: 'tgz' } });
    assert.equal(container.status, 400);
    assert.match(
      await container.text(),
      /Failed validating &#x27;enum&#x27; in schema\[&#x27;properties&#x27;\]\[&#x27;container_format&#x27;\]/,
    );
  });

  it('PUT /v2/images/{id}/file stores a qcow2 and GET shows size, virtual size and both digests', async () => {
    const img = await createImage(g, { name: 't' });
    const res = await upload(g, img.id, small);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.equal(res.headers.get('content-length'), '0');
    assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    const shown = (await (await call(g, `/v2/images/${img.id}`)).json()) as Record<string, unknown>;
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, SMALL_QCOW2_SIZE);
    assert.equal(shown.virtual_size, SMALL_QCOW2_VIRTUAL);
    assert.equal(shown.checksum, createHash('md5').update(small).digest('hex'));
    assert.equal(shown.os_hash_algo, 'sha512');
    assert.equal(shown.os_hash_value, createHash('sha512').update(small).digest('hex'));
    // Multi-store deployment: the store shows between updated_at and tags.
    assert.deepEqual(Object.keys(shown), [...IMAGE_KEYS.slice(0, 18), 'stores', ...IMAGE_KEYS.slice(18)]);
    assert.equal(shown.stores, 'fs');
  });

  it('PUT /v2/images/{id}/file of a large body (threaded hashing) stores exact bytes and digests', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024 + 12345);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const img = await createImage(g, { disk_format: 'raw' });
    assert.equal((await upload(g, img.id, big)).status, 204);
    const shown = (await (await call(g, `/v2/images/${img.id}`)).json()) as Record<string, unknown>;
    assert.equal(shown.size, big.length);
    assert.equal(shown.checksum, createHash('md5').update(big).digest('hex'));
    assert.equal(shown.os_hash_value, createHash('sha512').update(big).digest('hex'));
    const file = await call(g, `/v2/images/${img.id}/file`);
    assert.ok(Buffer.from(await file.arrayBuffer()).equals(big));
  });

  it('concurrent large uploads each get their own digests', async () => {
    const bodies = [1, 2, 3].map((seed) => {
      const b = Buffer.alloc(5 * 1024 * 1024 + seed * 1000);
      for (let i = 0; i < b.length; i++) b[i] = (i * seed * 131) & 0xff;
      return b;
    });
    const images = await Promise.all(bodies.map(() => createImage(g, { disk_format: 'raw' })));
    const answers = await Promise.all(
      images.map((img, i) => upload(g, img.id, bodies[i] ?? Buffer.alloc(0))),
    );
    assert.deepEqual(
      answers.map((r) => r.status),
      [204, 204, 204],
    );
    for (const [i, img] of images.entries()) {
      const shown = (await (await call(g, `/v2/images/${img.id}`)).json()) as Record<string, unknown>;
      assert.equal(
        shown.checksum,
        createHash('md5')
          .update(bodies[i] ?? Buffer.alloc(0))
          .digest('hex'),
      );
    }
  });

  it('PUT /v2/images/{id}/file cut short by the client leaves the image queued', async () => {
    const img = await createImage(g, { disk_format: 'raw' });
    const cut = await raw(`${g}/v2/images/${img.id}/file`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(10 * 1024 * 1024) },
      body: Buffer.alloc(1024 * 1024),
      abortAfterBody: true,
    }).catch(() => undefined);
    assert.equal(cut, undefined);
    await until(
      async () =>
        ((await (await call(g, `/v2/images/${img.id}`)).json()) as { status: string }).status === 'queued',
    );
  });

  it('PUT /v2/images/{id}/file of a raw image sets virtual_size to the size', async () => {
    const img = await createImage(g, { disk_format: 'raw' });
    assert.equal((await upload(g, img.id, Buffer.alloc(4096, 1))).status, 204);
    const shown = (await (await call(g, `/v2/images/${img.id}`)).json()) as Record<string, unknown>;
    assert.equal(shown.virtual_size, 4096);
  });

  it('PUT /v2/images/{id}/file with text/plain returns the captured 415; on an active image 409', async () => {
    const img = await createImage(g);
    const wrong = await call(g, `/v2/images/${img.id}/file`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: small,
    });
    assert.equal(wrong.status, 415);
    assert.equal(await wrong.text(), PAGE_415_UPLOAD);
    assert.equal((await upload(g, img.id, small)).status, 204);
    const again = await upload(g, img.id, small);
    assert.equal(again.status, 409);
    assert.equal(await again.text(), PAGE_409_ACTIVE);
  });

  it('GET /v2/images/{id}/file returns the bytes with a hex Content-Md5; Range gives 206; HEAD is 405', async () => {
    const img = await createImage(g);
    await upload(g, img.id, small);
    const md5 = createHash('md5').update(small).digest('hex');
    const res = await call(g, `/v2/images/${img.id}/file`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(res.headers.get('content-md5'), md5);
    assert.equal(res.headers.get('content-length'), String(SMALL_QCOW2_SIZE));
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), small);

    const part = await call(g, `/v2/images/${img.id}/file`, { headers: { range: 'bytes=0-99' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 0-99/${SMALL_QCOW2_SIZE}`);
    assert.equal(part.headers.get('content-md5'), md5);
    assert.equal(part.headers.get('content-length'), '100');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), small.subarray(0, 100));

    const tail = await call(g, `/v2/images/${img.id}/file`, { headers: { range: 'bytes=-10' } });
    assert.equal(tail.status, 206);
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), small.subarray(-10));
    const beyond = await call(g, `/v2/images/${img.id}/file`, {
      headers: { range: `bytes=${SMALL_QCOW2_SIZE}-` },
    });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${SMALL_QCOW2_SIZE}`);
    await beyond.arrayBuffer();

    const head = await call(g, `/v2/images/${img.id}/file`, { method: 'HEAD' });
    assert.equal(head.status, 405);
    assert.equal(head.headers.get('allow'), 'GET, PUT');
    assert.equal(head.headers.get('content-length'), '0');
  });

  it('GET /v2/images/{id}/file of a queued image returns 204 with no body', async () => {
    const img = await createImage(g);
    const res = await call(g, `/v2/images/${img.id}/file`);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('content-length'), '0');
    assert.equal(await res.text(), '');
  });

  it('PATCH /v2/images/{id} with add /tags/- returns the captured 400 and applies nothing', async () => {
    const img = await createImage(g);
    const res = await call(g, `/v2/images/${img.id}`, {
      method: 'PATCH',
      headers: PATCH_21,
      json: [
        { op: 'add', path: '/os_name', value: 'linux' },
        { op: 'add', path: '/tags/-', value: 'lab-tag' },
      ],
    });
    assert.equal(res.status, 400);
    assert.equal(await res.text(), PAGE_400_TAGS_DASH);
    const shown = (await (await call(g, `/v2/images/${img.id}`)).json()) as Record<string, unknown>;
    assert.equal(shown.os_name, undefined);
  });

  it('PATCH /v2/images/{id} adds a property and replaces tags; the property leads the document', async () => {
    const img = await createImage(g);
    const res = await call(g, `/v2/images/${img.id}`, {
      method: 'PATCH',
      headers: PATCH_21,
      json: [
        { op: 'add', path: '/os_name', value: 'linux' },
        { op: 'replace', path: '/tags', value: ['lab-tag'] },
      ],
    });
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['os_name', ...IMAGE_KEYS]);
    assert.equal(doc.os_name, 'linux');
    assert.deepEqual(doc.tags, ['lab-tag']);
  });

  it('PATCH /v2/images/{id} with application/json returns the captured 415 and Accept-Patch', async () => {
    const img = await createImage(g);
    const res = await call(g, `/v2/images/${img.id}`, {
      method: 'PATCH',
      json: [{ op: 'add', path: '/foo', value: 'bar' }],
    });
    assert.equal(res.status, 415);
    assert.equal(res.headers.get('accept-patch'), ACCEPT_PATCH);
    assert.equal(await res.text(), PAGE_415_PATCH);
  });

  it('PATCH /v2/images/{id} accepts the v2.0 media type and follows add/replace/remove rules', async () => {
    const img = await createImage(g, { os_distro: 'debian' });
    const v20 = await call(g, `/v2/images/${img.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/openstack-images-v2.0-json-patch' },
      json: [{ replace: '/name', value: 'renamed' }],
    });
    assert.equal(v20.status, 200);
    assert.equal(((await v20.json()) as { name: string }).name, 'renamed');
    const patch = (ops: unknown[]) =>
      call(g, `/v2/images/${img.id}`, { method: 'PATCH', headers: PATCH_21, json: ops });
    const removed = await patch([{ op: 'remove', path: '/os_distro' }]);
    assert.equal(removed.status, 200);
    assert.equal(((await removed.json()) as Record<string, unknown>).os_distro, undefined);
    const gone = await patch([{ op: 'remove', path: '/os_distro' }]);
    assert.equal(gone.status, 409);
    assert.match(await gone.text(), /Property os_distro does not exist\./);
    const replaceMissing = await patch([{ op: 'replace', path: '/nope', value: 'x' }]);
    assert.equal(replaceMissing.status, 409);
    await replaceMissing.arrayBuffer();
    const readOnly = await patch([{ op: 'replace', path: '/status', value: 'active' }]);
    assert.equal(readOnly.status, 403);
    assert.equal(await readOnly.text(), PAGE_403_READONLY_STATUS);
    const badValue = await patch([{ op: 'replace', path: '/min_ram', value: 'lots' }]);
    assert.equal(badValue.status, 400);
    assert.match(await badValue.text(), /&#x27;lots&#x27; is not of type &#x27;integer&#x27;/);
    const badOp = await patch([{ op: 'move', path: '/name', from: '/x' }]);
    assert.equal(badOp.status, 400);
    await badOp.arrayBuffer();
  });

  it('PATCH /v2/images/{id} cannot change disk_format once data is uploaded', async () => {
    const img = await createImage(g);
    await upload(g, img.id, small);
    const res = await call(g, `/v2/images/${img.id}`, {
      method: 'PATCH',
      headers: PATCH_21,
      json: [{ op: 'replace', path: '/disk_format', value: 'raw' }],
    });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /can be only replaced for a queued image/);
  });

  it('PUT and DELETE /v2/images/{id}/tags/{tag} answer 204; deleting a missing tag is 404', async () => {
    const img = await createImage(g, { tags: ['lab-tag'] });
    const put = await call(g, `/v2/images/${img.id}/tags/second-tag`, { method: 'PUT' });
    assert.equal(put.status, 204);
    assert.equal(put.headers.get('content-type'), 'text/html; charset=UTF-8');
    const shown = (await (await call(g, `/v2/images/${img.id}`)).json()) as { tags: string[] };
    assert.deepEqual(shown.tags, ['lab-tag', 'second-tag']);
    assert.equal((await call(g, `/v2/images/${img.id}/tags/lab-tag`, { method: 'DELETE' })).status, 204);
    const missing = await call(g, `/v2/images/${img.id}/tags/lab-tag`, { method: 'DELETE' });
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
  });

  it('POST deactivate/reactivate answer 204 and are idempotent; queued images cannot be deactivated', async () => {
    const img = await createImage(g);
    await upload(g, img.id, small);
    const action = (name: string) => call(g, `/v2/images/${img.id}/actions/${name}`, { method: 'POST' });
    for (const name of ['deactivate', 'deactivate']) {
      const res = await action(name);
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=UTF-8');
    }
    const shown = (await (await call(g, `/v2/images/${img.id}`)).json()) as { status: string };
    assert.equal(shown.status, 'deactivated');
    // Admin (noauth) still downloads a deactivated image.
    const file = await call(g, `/v2/images/${img.id}/file`);
    assert.equal(file.status, 200);
    await file.arrayBuffer();
    assert.equal((await action('reactivate')).status, 204);
    assert.equal((await action('reactivate')).status, 204);
    const queued = await createImage(g);
    const refused = await call(g, `/v2/images/${queued.id}/actions/deactivate`, { method: 'POST' });
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /Not allowed to deactivate image in status &#x27;queued&#x27;/);
  });

  it('GET /v2/images/foo returns the captured 404', async () => {
    const res = await call(g, '/v2/images/foo');
    assert.equal(res.status, 404);
    assert.equal(await res.text(), page404Image('foo'));
  });

  it('DELETE /v2/images/{id} answers 204, then GET 404 (HTML and JSON) and DELETE again 404 as captured', async () => {
    const img = await createImage(g);
    await upload(g, img.id, small);
    const del = await call(g, `/v2/images/${img.id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal(del.headers.get('content-type'), 'text/html; charset=UTF-8');
    const shown = await call(g, `/v2/images/${img.id}`);
    assert.equal(shown.status, 404);
    assert.equal(await shown.text(), page404Image(img.id));
    const json = await call(g, `/v2/images/${img.id}`, { headers: { accept: 'application/json' } });
    assert.equal(json.headers.get('content-type'), 'application/json');
    assert.equal(await json.text(), json404Image(img.id));
    const again = await call(g, `/v2/images/${img.id}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.equal(await again.text(), page404Delete(img.id));
  });

  it('DELETE /v2/images/{id} of a protected image is 403', async () => {
    const img = await createImage(g, { protected: true });
    const res = await call(g, `/v2/images/${img.id}`, { method: 'DELETE' });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /is protected and cannot be deleted/);
  });

  it('GET /v2/images?limit=1 returns first, schema and a next link that pages through', async () => {
    const res = await call(g, '/v2/images?limit=1');
    const page = (await res.json()) as {
      images: Array<{ id: string }>;
      first: string;
      schema: string;
      next?: string;
    };
    assert.deepEqual(Object.keys(page), ['images', 'first', 'schema', 'next']);
    assert.equal(page.first, '/v2/images?limit=1');
    assert.equal(page.schema, '/v2/schemas/images');
    assert.equal(page.next, `/v2/images?limit=1&marker=${page.images[0]?.id}`);
    const second = (await (await call(g, page.next ?? '')).json()) as { images: Array<{ id: string }> };
    assert.equal(second.images.length, 1);
    assert.notEqual(second.images[0]?.id, page.images[0]?.id);
  });

  it('GET /v2/tasks returns the captured 403 even for the noauth admin context', async () => {
    const res = await call(g, '/v2/tasks');
    assert.equal(res.status, 403);
    assert.equal(await res.text(), PAGE_403_TASKS);
  });

  it('GET /v2/info/{import,stores,usage} return the captured documents', async () => {
    assert.equal(await (await call(g, '/v2/info/import')).text(), INFO_IMPORT);
    assert.equal(await (await call(g, '/v2/info/stores')).text(), INFO_STORES);
    assert.equal(await (await call(g, '/v2/info/usage')).text(), INFO_USAGE);
    const detail = (await (await call(g, '/v2/info/stores/detail')).json()) as {
      stores: Array<{ id: string; type: string; properties: Record<string, unknown> }>;
    };
    assert.equal(detail.stores[0]?.type, 'file');
    assert.equal(detail.stores[0]?.properties.chunk_size, 65536);
  });

  it('GET /v2/images/{id}/members of a fresh shared image is empty; /v2/metadefs/namespaces pages the loaded catalog', async () => {
    const img = await createImage(g);
    assert.equal(await (await call(g, `/v2/images/${img.id}/members`)).text(), EMPTY_MEMBERS);
    const namespaces = (await (await call(g, '/v2/metadefs/namespaces')).json()) as { namespaces: unknown[] };
    assert.equal(namespaces.namespaces.length, 25);
  });

  it('POST /v2/images/{id} is 405 with an Allow header; unknown /v2 paths are 404', async () => {
    const img = await createImage(g);
    const res = await call(g, `/v2/images/${img.id}`, { method: 'POST', json: {} });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, PATCH, DELETE');
    assert.match(await res.text(), /The method POST is not allowed for this resource\./);
    const unknown = await call(g, '/v2/nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal(await unknown.text(), PAGE_404_RESOURCE);
  });
});
