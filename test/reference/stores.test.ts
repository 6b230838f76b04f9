/**
 * The reference's store configurations: `multi:fs` (the default, what the lab runs), `multi:fs,fs2`,
 * `multi:fs,http`, `multi:http,fs` and `legacy`. Facts marked "lab" were captured on the lab's
 * Glance 25.1 (enabled_backends = fs:file); the others follow Zed's source (discovery.py,
 * versions.py, images.py import_image and delete_from_store, image_data.py, api_image_import.py).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { parseStores, type ReferenceServer } from '../../src/reference/index.js';
import { INFO_STORES, PAGE_404_RESOURCE, versionsBody, webobPage } from './captured.js';
import { call, createImage, start, token, until, upload } from './helpers.js';

type Doc = Record<string, unknown> & { id: string };
type TaskDoc = { status: string; message: string; input: { backend: unknown[] } };

const DATA = Buffer.alloc(70_000, 5);
const RESERVED_IDS = 'os_glance_staging_store,os_glance_tasks_store';

/** The versions Zed lists without enabled_backends (capture 6-00: 1053 bytes for 127.0.0.1:9292). */
function legacyVersionsBody(host: string): string {
  const ids = ['v2.15', 'v2.9', 'v2.7', 'v2.6', 'v2.5', 'v2.4', 'v2.3', 'v2.2', 'v2.1', 'v2.0'];
  const parts = ids.map(
    (id, i) =>
      `{"id": "${id}", "status": "${i === 0 ? 'CURRENT' : 'SUPPORTED'}", "links": [{"rel": "self", "href": "http://${host}/v2/"}]}`,
  );
  return `{"versions": [${parts.join(', ')}]}`;
}

/** One running reference with admin and demo tokens, and shortcuts for the calls these tests repeat. */
class Deployment {
  ref!: ReferenceServer;
  admin = '';
  demo = '';

  constructor(private readonly stores?: string) {}

  async start(): Promise<void> {
    this.ref = await start(this.stores === undefined ? {} : { stores: this.stores });
    this.admin = await token(this.ref, 'admin');
    this.demo = await token(this.ref, 'demo');
  }

  get g(): string {
    return this.ref.glanceUrl;
  }

  get(path: string, tok = this.admin, headers: Record<string, string> = {}): Promise<Response> {
    return call(this.g, path, { token: tok, headers });
  }

  /** An image of the admin's with DATA uploaded (to X-Image-Meta-Store when given). */
  async active(store?: string): Promise<Doc> {
    const img = await createImage(this.g, { disk_format: 'raw' }, this.admin);
    const res = await call(this.g, `/v2/images/${img.id}/file`, {
      method: 'PUT',
      token: this.admin,
      headers: {
        'content-type': 'application/octet-stream',
        ...(store ? { 'x-image-meta-store': store } : {}),
      },
      body: DATA,
    });
    assert.equal(res.status, 204, await res.text());
    return img;
  }

  import(id: string, body: unknown, opts: { tok?: string; headers?: Record<string, string> } = {}) {
    return call(this.g, `/v2/images/${id}/import`, {
      method: 'POST',
      token: opts.tok ?? this.admin,
      headers: { accept: 'application/json', ...opts.headers },
      json: body,
    });
  }

  async show(id: string): Promise<Doc> {
    return (await (await this.get(`/v2/images/${id}`)).json()) as Doc;
  }

  async tasks(id: string): Promise<TaskDoc[]> {
    return ((await (await this.get(`/v2/images/${id}/tasks`)).json()) as { tasks: TaskDoc[] }).tasks;
  }

  /** Waits for the image's newest import task to finish; returns it with the image. */
  async settled(id: string): Promise<{ task: TaskDoc; image: Doc }> {
    await until(async () => (await this.tasks(id)).every((t) => t.status !== 'processing'));
    const [task] = await this.tasks(id);
    assert.ok(task, `image ${id} has an import task`);
    return { task, image: await this.show(id) };
  }

  deleteFrom(store: string, id: string, tok = this.admin): Promise<Response> {
    return call(this.g, `/v2/stores/${store}/${id}`, {
      method: 'DELETE',
      token: tok,
      headers: { accept: 'application/json' },
    });
  }
}

/** The message of a JSON error body (webob's `<br /><br />` tail cut). */
async function message(res: Response): Promise<string> {
  const body = (await res.json()) as { message?: string };
  return String(body.message ?? '').replace(/<br \/>[\s\S]*$/, '');
}

describe('parseStores', () => {
  it('reads multi:<ids> with the first id as default, http read-only, other ids file stores', () => {
    const cfg = parseStores('multi:fs, http,fs2');
    assert.equal(cfg.spec, 'multi:fs,http,fs2');
    assert.equal(cfg.multi, true);
    assert.equal(cfg.defaultId, 'fs');
    assert.deepEqual(
      cfg.stores.map((s) => `${s.id}:${s.type}`),
      ['fs:file', 'http:http', 'fs2:file'],
    );
  });

  it('reads explicit <id>:<type> and keeps the type in the canonical form only when the id does not imply it', () => {
    assert.equal(parseStores('multi:fs:file,web:http').spec, 'multi:fs,web:http');
    assert.equal(parseStores('multi:web:http').stores[0]?.type, 'http');
  });

  it('reads legacy as no enabled_backends and no default store', () => {
    const cfg = parseStores('legacy');
    assert.deepEqual({ ...cfg }, { spec: 'legacy', multi: false, stores: [], defaultId: null });
  });

  const bad: Array<[string, RegExp]> = [
    ['', /must be "legacy" or "multi:<id>\[,<id>…\]" \(got ""\)/],
    ['single', /\(got "single"\)/],
    ['multi:', /names no store/],
    ['multi:fs,,http', /has an empty store id/],
    ['multi:fs,fs', /store "fs" appears twice/],
    ['multi:f s', /store "f s" in stores "multi:f s" must be <id> or <id>:<type>/],
    ['multi:fs:file:x', /store "fs:file:x"/],
    ['multi:os_glance_x', /"os_glance_x" .*uses the os_glance_ prefix/],
    ['multi:ceph:rbd', /store type "rbd" of "ceph" .*is not emulated \(file or http\)/],
  ];
  for (const [spec, want] of bad) {
    it(`refuses ${JSON.stringify(spec)} with a one-line ConfigError naming the bad part`, () => {
      assert.throws(
        () => parseStores(spec),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.code, 'GH_CONFIG');
          assert.doesNotMatch(err.message, /\n/);
          assert.match(err.message, want);
          return true;
        },
      );
    });
  }

  it('startReference refuses a bad stores setting before listening on anything', async () => {
    await assert.rejects(start({ stores: 'multi:fs,fs' }), ConfigError);
  });
});

describe('reference stores: multi:fs (default, as the lab runs)', () => {
  const d = new Deployment();
  before(() => d.start());
  after(() => d.ref.close());

  it('the default is multi:fs', () => {
    assert.equal(d.ref.stores, 'multi:fs');
  });

  it('GET /v2/info/stores lists fs alone as the default (lab)', async () => {
    const res = await d.get('/v2/info/stores');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"stores": [{"id": "fs", "default": "true"}]}');
  });

  it('GET /v2/info/stores/detail shows fs as a file store to admins and refuses members (lab)', async () => {
    const res = await d.get('/v2/info/stores/detail');
    const doc = (await res.json()) as { stores: Array<Record<string, unknown>> };
    assert.deepEqual(
      doc.stores.map((s) => [s.id, s.default, s.type]),
      [['fs', 'true', 'file']],
    );
    const member = await d.get('/v2/info/stores/detail', d.demo, { accept: 'application/json' });
    assert.equal(member.status, 403);
    assert.equal(await message(member), 'You are not authorized to complete stores_info_detail action.');
  });

  it('GET / lists the multi-store versions 2.8 and 2.10–2.13; /v2.13 is negotiated', async () => {
    const root = await call(d.g, '/');
    assert.equal(root.status, 300);
    assert.equal(await root.text(), versionsBody(new URL(d.g).host));
    const v213 = await d.get('/v2.13/images');
    assert.equal(v213.status, 200);
    await v213.arrayBuffer();
  });

  it('POST /v2/images names every enabled store, reserved ones included, in OpenStack-image-store-ids (lab)', async () => {
    const res = await call(d.g, '/v2/images', {
      method: 'POST',
      token: d.admin,
      json: { name: 'ref-stores', disk_format: 'raw', container_format: 'bare' },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('openstack-image-store-ids'), `fs,${RESERVED_IDS}`);
    await res.arrayBuffer();
  });

  it('PUT file lands in fs; an unknown X-Image-Meta-Store is 400 before the image is touched (lab)', async () => {
    const img = await d.active();
    assert.equal((await d.show(img.id)).stores, 'fs');
    const queued = await createImage(d.g, { disk_format: 'raw' }, d.admin);
    const res = await call(d.g, `/v2/images/${queued.id}/file`, {
      method: 'PUT',
      token: d.admin,
      headers: {
        accept: 'application/json',
        'content-type': 'application/octet-stream',
        'x-image-meta-store': 'nope',
      },
      body: DATA,
    });
    assert.equal(res.status, 400);
    assert.equal(await message(res), 'Store for identifier nope not found');
    assert.equal((await d.show(queued.id)).status, 'queued');
  });

  it('copy-image to the store the image is in is 400; all_stores has nothing to do: 202 and no task (lab)', async () => {
    const img = await d.active();
    for (const [body, headers] of [
      [{ method: { name: 'copy-image' }, stores: ['fs'] }, {}],
      [{ method: { name: 'copy-image' } }, {}],
      [{ method: { name: 'copy-image' } }, { 'x-image-meta-store': 'fs' }],
    ] as const) {
      const res = await d.import(img.id, body, { headers });
      assert.equal(res.status, 400);
      assert.equal(await message(res), "Image is already present at store 'fs'");
    }
    const all = await d.import(img.id, { method: { name: 'copy-image' }, all_stores: true });
    assert.equal(all.status, 202);
    await all.arrayBuffer();
    assert.deepEqual(await d.tasks(img.id), []);
    const after = await d.show(img.id);
    assert.equal(after.stores, 'fs');
    assert.equal(after.os_glance_import_task, undefined);
  });

  it('copy-image store errors: unknown 409, a string iterated by characters, stores with all_stores or the header 400 (lab)', async () => {
    const img = await d.active();
    const cases: Array<[unknown, Record<string, string>, number, string]> = [
      [{ stores: ['nope'] }, {}, 409, 'Store for identifier nope not found'],
      [{ stores: 'fs' }, {}, 409, 'Store for identifier f not found'],
      [
        { stores: ['fs'], all_stores: true },
        {},
        400,
        "All_stores parameter can't be used with x-image-meta-store header or stores parameter",
      ],
      [
        { stores: ['fs'] },
        { 'x-image-meta-store': 'fs' },
        400,
        "Stores parameter and x-image-meta-store header can't be both specified",
      ],
      [{ all_stores_must_succeed: 'no' }, {}, 400, "'all_stores_must_succeed' must be boolean value only"],
      [{ all_stores: 'yes' }, {}, 400, "'all_stores' must be boolean value only"],
    ];
    for (const [extra, headers, status, text] of cases) {
      const res = await d.import(
        img.id,
        { method: { name: 'copy-image' }, ...(extra as object) },
        { headers },
      );
      assert.equal(res.status, status, JSON.stringify(extra));
      assert.equal(await message(res), text);
    }
    const nul = await d.import(img.id, { method: { name: 'copy-image' }, stores: null });
    assert.equal(nul.status, 500);
    await nul.arrayBuffer();
  });

  it('import body and state checks answer as Zed does (lab)', async () => {
    const queued = await createImage(d.g, { disk_format: 'raw' }, d.admin);
    const cases: Array<[unknown, number, string]> = [
      [{ method: { name: 'copy-image' } }, 409, 'Only images with status active can be targeted for copying'],
      [
        { method: { name: 'glance-direct' } },
        409,
        "Image needs to be staged before 'glance-direct' method can be used",
      ],
      [{ method: { name: 'nope' } }, 400, "Unknown import method name 'nope'."],
      [{ method: {} }, 400, "Import request requires a 'name' field."],
      [{}, 400, "Import request requires a 'method' field."],
      ['x', 400, 'Unexpected body type. Expected list/dict.'],
    ];
    for (const [body, status, text] of cases) {
      const res = await d.import(queued.id, body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(await message(res), text);
    }
    const list = await d.import(queued.id, []);
    assert.equal(list.status, 500);
    await list.arrayBuffer();
  });

  it('copy-image is admin-only, even for the owner (lab)', async () => {
    const img = await createImage(d.g, { disk_format: 'raw' }, d.demo);
    assert.equal((await upload(d.g, img.id, DATA, d.demo)).status, 204);
    const res = await d.import(img.id, { method: { name: 'copy-image' }, stores: ['fs'] }, { tok: d.demo });
    assert.equal(res.status, 403);
    assert.equal(await message(res), 'You are not authorized to complete copy_image action.');
  });

  it('DELETE /v2/stores/{store}/{id}: queued 409, the only store 403, an unknown store 409, GET 405 (lab)', async () => {
    const queued = await createImage(d.g, { disk_format: 'raw' }, d.admin);
    const notActive = await d.deleteFrom('fs', queued.id);
    assert.equal(notActive.status, 409);
    assert.equal(
      await message(notActive),
      "It's not allowed to remove image data from store if image status is not 'active'",
    );
    const img = await d.active();
    const only = await d.deleteFrom('fs', img.id);
    assert.equal(only.status, 403);
    assert.equal(
      await message(only),
      'Cannot delete image data from the only store containing it. Consider deleting the image instead.',
    );
    const unknown = await d.deleteFrom('nope', img.id);
    assert.equal(unknown.status, 409);
    assert.equal(await message(unknown), 'The selected store nope is not available on this node.');
    const missing = await d.deleteFrom('fs', '00000000-0000-0000-0000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(await message(missing), 'Failed to find image 00000000-0000-0000-0000-000000000000');
    const get = await d.get(`/v2/stores/fs/${img.id}`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'DELETE');
    await get.arrayBuffer();
  });

  it('an upload to the staging store is taken; copy-image then adds fs and the image lists both (lab)', async () => {
    const img = await d.active('os_glance_staging_store');
    assert.equal((await d.show(img.id)).stores, 'os_glance_staging_store');
    const res = await d.import(img.id, { method: { name: 'copy-image' }, stores: ['fs'] });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    const { task, image } = await d.settled(img.id);
    assert.equal(task.status, 'success');
    assert.equal(task.message, 'Copied 0 MiB');
    assert.deepEqual(task.input.backend, ['fs']);
    assert.equal(image.status, 'active');
    assert.equal(image.stores, 'os_glance_staging_store,fs');
    assert.equal(image.os_glance_importing_to_stores, '');
    assert.equal(image.os_glance_failed_import, '');
    assert.equal(image.os_glance_import_task, undefined);
    assert.deepEqual(Object.keys(image).slice(0, 2), [
      'os_glance_importing_to_stores',
      'os_glance_failed_import',
    ]);
  });
});

describe('reference stores: multi:fs,fs2 (two file stores)', () => {
  const d = new Deployment('multi:fs,fs2');
  before(() => d.start());
  after(() => d.ref.close());

  it('GET /v2/info/stores lists both, fs the default; the detail gives each its own directory', async () => {
    assert.equal(
      await (await d.get('/v2/info/stores')).text(),
      '{"stores": [{"id": "fs", "default": "true"}, {"id": "fs2"}]}',
    );
    const doc = (await (await d.get('/v2/info/stores/detail')).json()) as {
      stores: Array<{ id: string; type: string; properties: { data_dir: string } }>;
    };
    assert.deepEqual(
      doc.stores.map((s) => [s.id, s.type]),
      [
        ['fs', 'file'],
        ['fs2', 'file'],
      ],
    );
    assert.match(doc.stores[0]?.properties.data_dir ?? '', /\/images\/$/);
    assert.match(doc.stores[1]?.properties.data_dir ?? '', /\/stores\/fs2\/$/);
  });

  it('copy-image to fs2 is 202, then the image lists fs,fs2 and the import keys are emptied', async () => {
    const img = await d.active();
    const res = await d.import(img.id, { method: { name: 'copy-image' }, stores: ['fs2'] });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    const { task, image } = await d.settled(img.id);
    assert.equal(task.status, 'success');
    assert.deepEqual(task.input.backend, ['fs2']);
    assert.equal(image.status, 'active');
    assert.equal(image.stores, 'fs,fs2');
    assert.equal(image.os_glance_importing_to_stores, '');
    assert.equal(image.os_glance_failed_import, '');
    const again = await d.import(img.id, { method: { name: 'copy-image' }, stores: ['fs2'] });
    assert.equal(again.status, 400);
    assert.equal(await message(again), "Image is already present at store 'fs2'");
  });

  it('copy-image with all_stores copies to the stores the image is missing from', async () => {
    const img = await d.active('fs2');
    assert.equal((await d.show(img.id)).stores, 'fs2');
    const res = await d.import(img.id, { method: { name: 'copy-image' }, all_stores: true });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    const { task, image } = await d.settled(img.id);
    assert.deepEqual(task.input.backend, ['fs']);
    assert.equal(image.stores, 'fs2,fs');
  });

  it('DELETE /v2/stores/fs2/{id} removes one copy; the data still downloads; the last copy stays', async () => {
    const img = await d.active();
    await (await d.import(img.id, { method: { name: 'copy-image' }, stores: ['fs2'] })).arrayBuffer();
    await d.settled(img.id);
    const notThere = await d.deleteFrom('os_glance_tasks_store', img.id);
    assert.equal(notThere.status, 404);
    assert.equal(await message(notThere), `Image ${img.id} is not stored in store os_glance_tasks_store.`);
    const removed = await d.deleteFrom('fs2', img.id);
    assert.equal(removed.status, 204);
    await removed.arrayBuffer();
    assert.equal((await d.show(img.id)).stores, 'fs');
    const file = await d.get(`/v2/images/${img.id}/file`);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), DATA);
    const last = await d.deleteFrom('fs', img.id);
    assert.equal(last.status, 403);
    await last.arrayBuffer();
  });

  it('DELETE /v2/stores/{store}/{id} by a member who does not own the image is 403', async () => {
    const img = await createImage(d.g, { disk_format: 'raw', visibility: 'public' }, d.admin);
    assert.equal((await upload(d.g, img.id, DATA, d.admin)).status, 204);
    const res = await d.deleteFrom('fs', img.id, d.demo);
    assert.equal(res.status, 403);
    assert.equal(await message(res), 'You do not own this image');
  });

  it('glance-direct to both stores makes the image active in fs,fs2', async () => {
    const img = await createImage(d.g, { disk_format: 'raw' }, d.admin);
    const staged = await call(d.g, `/v2/images/${img.id}/stage`, {
      method: 'PUT',
      token: d.admin,
      headers: { 'content-type': 'application/octet-stream' },
      body: DATA,
    });
    assert.equal(staged.status, 204);
    const res = await d.import(img.id, { method: { name: 'glance-direct' }, stores: ['fs', 'fs2'] });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    const { task, image } = await d.settled(img.id);
    assert.equal(task.status, 'success');
    assert.deepEqual(task.input.backend, ['fs', 'fs2']);
    assert.equal(image.status, 'active');
    assert.equal(image.stores, 'fs,fs2');
    assert.equal(image.size, DATA.length);
  });
});

describe('reference stores: multi:fs,http (capture 6-40)', () => {
  const d = new Deployment('multi:fs,http');
  before(() => d.start());
  after(() => d.ref.close());

  it('GET /v2/info/stores marks http read-only, as captured', async () => {
    assert.equal(await (await d.get('/v2/info/stores')).text(), INFO_STORES);
    const detail = (await (await d.get('/v2/info/stores/detail')).json()) as {
      stores: Array<{ id: string; type: string; properties: unknown }>;
    };
    assert.deepEqual(detail.stores[1], { id: 'http', 'read-only': 'true', type: 'http', properties: {} });
  });

  it('PUT file to http is 410 "Adding images to store is disabled" and the image stays queued', async () => {
    const img = await createImage(d.g, { disk_format: 'raw' }, d.admin);
    const res = await call(d.g, `/v2/images/${img.id}/file`, {
      method: 'PUT',
      token: d.admin,
      headers: {
        accept: 'application/json',
        'content-type': 'application/octet-stream',
        'x-image-meta-store': 'http',
      },
      body: DATA,
    });
    assert.equal(res.status, 410);
    assert.equal(await message(res), 'Error in store configuration. Adding images to store is disabled.');
    assert.equal((await d.show(img.id)).status, 'queued');
  });

  it('copy-image to http is accepted, then fails: http listed as failed, the image still active in fs', async () => {
    const img = await d.active();
    const res = await d.import(img.id, { method: { name: 'copy-image' }, stores: ['http'] });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    const { task, image } = await d.settled(img.id);
    assert.equal(task.status, 'failure');
    assert.equal(task.message, 'Task failed due to Internal Error');
    assert.equal(image.status, 'active');
    assert.equal(image.stores, 'fs');
    assert.equal(image.os_glance_failed_import, 'http');
    assert.equal(image.os_glance_importing_to_stores, '');
    assert.equal(image.os_glance_import_task, undefined);
  });

  it('with all_stores_must_succeed false the failed store is listed and the task still succeeds', async () => {
    const img = await d.active();
    const res = await d.import(img.id, {
      method: { name: 'copy-image' },
      stores: ['http'],
      all_stores_must_succeed: false,
    });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    const { task, image } = await d.settled(img.id);
    assert.equal(task.status, 'success');
    assert.equal(image.os_glance_failed_import, 'http');
    assert.equal(image.stores, 'fs');
  });

  it('all_stores leaves http out: an image in fs has nowhere to go (202, no task)', async () => {
    const img = await d.active();
    const res = await d.import(img.id, { method: { name: 'copy-image' }, all_stores: true });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    assert.deepEqual(await d.tasks(img.id), []);
  });
});

describe('reference stores: multi:http,fs (a read-only default store)', () => {
  const d = new Deployment('multi:http,fs');
  before(() => d.start());
  after(() => d.ref.close());

  it('uploads without a store header answer 410, the store.disabled symptom', async () => {
    const img = await createImage(d.g, { disk_format: 'raw' }, d.admin);
    const res = await upload(d.g, img.id, DATA, d.admin);
    assert.equal(res.status, 410);
    assert.match(await res.text(), /Adding images to store is disabled\./);
    assert.equal(
      await (await d.get('/v2/info/stores')).text(),
      '{"stores": [{"id": "http", "default": "true", "read-only": "true"}, {"id": "fs"}]}',
    );
  });
});

describe('reference stores: legacy ([glance_store] stores = file,http)', () => {
  const d = new Deployment('legacy');
  before(() => d.start());
  after(() => d.ref.close());

  it('GET /v2/info/stores and /detail answer 404 "Multi backend is not supported at this site." (6-19)', async () => {
    const page = webobPage('404 Not Found', 'Multi backend is not supported at this site.');
    for (const [path, tok] of [
      ['/v2/info/stores', d.admin],
      ['/v2/info/stores/detail', d.admin],
      ['/v2/info/stores/detail', d.demo],
    ] as const) {
      const res = await d.get(path, tok);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=UTF-8');
      assert.equal(await res.text(), page);
    }
    assert.equal(Buffer.byteLength(page), 166);
  });

  it('GET / lists no multi-store version (6-00); /v2.13 falls back to the version choices', async () => {
    const root = await call(d.g, '/');
    assert.equal(root.status, 300);
    assert.equal(await root.text(), legacyVersionsBody(new URL(d.g).host));
    assert.equal(Buffer.byteLength(legacyVersionsBody('127.0.0.1:9292')), 1053);
    const v213 = await d.get('/v2.13/images');
    assert.equal(v213.status, 300);
    await v213.arrayBuffer();
    const v29 = await d.get('/v2.9/images');
    assert.equal(v29.status, 200);
    await v29.arrayBuffer();
  });

  it('images carry no stores key or store-ids header; X-Image-Meta-Store is ignored (6-10)', async () => {
    const res = await call(d.g, '/v2/images', {
      method: 'POST',
      token: d.admin,
      json: { name: 'ref-legacy', disk_format: 'raw', container_format: 'bare' },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('openstack-image-store-ids'), null);
    assert.equal(res.headers.get('openstack-image-import-methods'), 'glance-direct,web-download,copy-image');
    await res.arrayBuffer();
    const img = await d.active('nope');
    const shown = await d.show(img.id);
    assert.equal(shown.status, 'active');
    assert.equal('stores' in shown, false);
  });

  it('copy-image of an active image is 500: locations carry no store without enabled_backends', async () => {
    const img = await d.active();
    const res = await d.import(img.id, { method: { name: 'copy-image' } });
    assert.equal(res.status, 500);
    assert.equal(
      await message(res),
      'The server has either erred or is incapable of performing the requested operation.',
    );
    assert.deepEqual(await d.tasks(img.id), []);
  });

  it('glance-direct ignores stores, records backend [null] and leaves the store keys empty', async () => {
    const img = await createImage(d.g, { disk_format: 'raw' }, d.admin);
    const stage = await call(d.g, `/v2/images/${img.id}/stage`, {
      method: 'PUT',
      token: d.admin,
      headers: { 'content-type': 'application/octet-stream' },
      body: DATA,
    });
    assert.equal(stage.status, 204);
    const refused = await d.import(img.id, {
      method: { name: 'glance-direct' },
      all_stores_must_succeed: false,
    });
    assert.equal(refused.status, 400);
    assert.equal(
      await message(refused),
      'All_stores_must_succeed can only be set with enabled_backends None',
    );
    const res = await d.import(img.id, { method: { name: 'glance-direct' }, stores: ['nope'] });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    const { task, image } = await d.settled(img.id);
    assert.equal(task.status, 'success');
    assert.deepEqual(task.input.backend, [null]);
    assert.equal(image.status, 'active');
    assert.equal('stores' in image, false);
    assert.equal(image.os_glance_importing_to_stores, '');
    assert.equal(image.os_glance_failed_import, '');
  });

  it('DELETE /v2/stores/{store}/{id} is a plain 404', async () => {
    const img = await d.active();
    const res = await call(d.g, `/v2/stores/fs/${img.id}`, { method: 'DELETE', token: d.admin });
    assert.equal(res.status, 404);
    assert.equal(await res.text(), PAGE_404_RESOURCE);
  });
});
