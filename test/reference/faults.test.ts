/**
 * Every fault switch against what clients saw on the broken real deployment (captures 4, 8b-8e),
 * set at start and at run time. Delays are shrunk (see FAST_DELAYS); only lower bounds are checked.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FAULTS, type FaultName, type ReferenceServer } from '../../src/reference/index.js';
import {
  JSON_500,
  NGINX_502,
  PAGE_401,
  PAGE_403_TASKS,
  PAGE_413_STORE_FULL,
  PAGE_500,
  PAGE_503_KEYSTONE,
  PAGE_503_UNWRITABLE,
  versionsBody,
  webobPage,
} from './captured.js';
import { call, createImage, FAST_DELAYS, qcow2, REQUEST_ID, raw, start, token, upload } from './helpers.js';

const small = qcow2(196616, 67108864);
const MIB = 1024 * 1024;

/** image-size-cap's 413 as the lab's Glance renders it: HTML for any Accept, and asked for as JSON. */
const PAGE_413_SIZE_CAP = webobPage(
  '413 Request Entity Too Large',
  'The incoming image is too large: The provided image is too large.',
);
const JSON_413_SIZE_CAP =
  '{"message": "The incoming image is too large: The provided image is too large.<br /><br />\\n\\n\\n", "code": "413 Request Entity Too Large", "title": "Request Entity Too Large"}';

async function status(base: string, id: string, tok?: string): Promise<string> {
  const doc = (await (await call(base, `/v2/images/${id}`, { token: tok })).json()) as { status: string };
  return doc.status;
}

/** The catalog's image endpoints, by interface, as the admin user's token lists them. */
async function imageEndpoints(ref: ReferenceServer): Promise<Record<string, string>> {
  const res = await call(ref.keystoneUrl, '/auth/catalog', { token: await token(ref, 'admin') });
  const doc = (await res.json()) as {
    catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }>;
  };
  const image = doc.catalog.find((s) => s.type === 'image')?.endpoints ?? [];
  return Object.fromEntries(image.map((e) => [e.interface, e.url]));
}

async function refused(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return undefined;
  } catch (err) {
    return (err as { cause?: { code?: string } }).cause?.code;
  }
}

describe('fault catalogue', () => {
  it('FAULTS lists the twenty faults, each with a description', () => {
    assert.deepEqual(
      FAULTS.map((f) => f.name),
      [
        'db-not-synced',
        'db-down',
        'db-hung',
        'keystone-service-password-wrong',
        'keystone-down',
        'keystone-down-no-delay-auth',
        'auth-disabled',
        'glance-down-behind-proxy',
        'store-unwritable',
        'store-removed',
        'store-full',
        'store-mount-lost',
        'swift-unmounted',
        'proxy-body-limit',
        'db-half-migrated',
        'image-size-cap',
        'store-small',
        'store-data-lost',
        'catalog-wrong-port',
        'glance-down',
      ],
    );
    for (const f of FAULTS) assert.ok(f.description.length > 20, f.name);
  });

  it("a fault behind the front proxy (viaProxy) makes the catalog name the proxy; the others keep Glance's port", async () => {
    assert.deepEqual(
      FAULTS.filter((f) => f.viaProxy).map((f) => f.name),
      ['glance-down-behind-proxy', 'proxy-body-limit'],
    );
    assert.deepEqual(
      FAULTS.filter((f) => f.deadPublicEndpoint).map((f) => f.name),
      ['catalog-wrong-port'],
    );
    const ref = await start();
    try {
      const healthy = { public: ref.glanceUrl, admin: ref.glanceUrl, internal: ref.glanceUrl };
      assert.deepEqual(await imageEndpoints(ref), healthy);
      for (const f of FAULTS) {
        ref.setFault(f.name);
        const urls = await imageEndpoints(ref).catch(() => undefined);
        // Faults that stop logins (Keystone down, its database down) leave no catalog to read.
        if (!urls) continue;
        const url = f.viaProxy ? ref.proxyUrl : ref.glanceUrl;
        assert.equal(urls.admin, url, f.name);
        assert.equal(urls.internal, url, f.name);
        if (f.deadPublicEndpoint) assert.notEqual(urls.public, url, f.name);
        else assert.equal(urls.public, url, f.name);
      }
      ref.setFault('glance-down-behind-proxy');
      const res = await call((await imageEndpoints(ref)).public!, '/v2/images');
      assert.equal(res.status, 502, 'the catalog endpoint answers the proxy page, not a refusal');
      assert.equal(await res.text(), NGINX_502);
      ref.setFault(null);
      assert.deepEqual(await imageEndpoints(ref), healthy);
    } finally {
      await ref.close();
    }
  });

  it('startReference({ fault }) applies the fault from the first request; unknown names are refused', async () => {
    const ref = await start({ auth: 'none', fault: 'db-down' });
    try {
      assert.equal(ref.fault(), 'db-down');
      const res = await call(ref.glanceUrl, '/v2/images');
      assert.equal(res.status, 500);
      assert.equal(await res.text(), PAGE_500);
      assert.throws(() => ref.setFault('no-such-fault' as FaultName), /unknown fault/);
    } finally {
      await ref.close();
    }
  });
});

describe('database faults (captures 4a-4e, 8b)', () => {
  let ref: ReferenceServer;
  let g: string;
  let existing: string;

  before(async () => {
    ref = await start({ auth: 'none' });
    g = ref.glanceUrl;
    existing = (await createImage(g)).id;
  });
  after(() => ref.close());
  beforeEach(() => ref.setFault(null));

  for (const fault of ['db-not-synced', 'db-down'] as const) {
    it(`${fault}: /v2/images* answer the generic 500 (HTML and JSON); / is 300, /healthcheck 200`, async () => {
      ref.setFault(fault);
      for (const [method, path] of [
        ['GET', '/v2/images'],
        ['GET', `/v2/images/${existing}`],
        ['GET', '/v2/metadefs/namespaces'],
      ] as const) {
        const res = await call(g, path, { method });
        assert.equal(res.status, 500, path);
        assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
        assert.equal(await res.text(), PAGE_500);
      }
      const create = await call(g, '/v2/images', {
        method: 'POST',
        json: { name: 't', disk_format: 'qcow2', container_format: 'bare' },
      });
      assert.equal(create.status, 500);
      assert.equal(await create.text(), PAGE_500);
      const json = await call(g, '/v2/images', { headers: { accept: 'application/json' } });
      assert.equal(json.headers.get('content-type'), 'application/json');
      assert.equal(await json.text(), JSON_500);
      const root = await call(g, '/');
      assert.equal(root.status, 300);
      assert.equal(await root.text(), versionsBody(new URL(g).host));
      const health = await call(g, '/healthcheck');
      assert.equal(health.status, 200);
      assert.equal(await health.text(), 'OK');
    });
  }

  it('db-down: requests refused before the database (bad body, tasks policy, schemas) keep their own answers', async () => {
    ref.setFault('db-down');
    const bad = await call(g, '/v2/images', { method: 'POST', json: { disk_format: 'bogus' } });
    assert.equal(bad.status, 400);
    await bad.arrayBuffer();
    const tasks = await call(g, '/v2/tasks');
    assert.equal(await tasks.text(), PAGE_403_TASKS);
    assert.equal((await call(g, '/v2/schemas/image')).status, 200);
  });

  it('db-hung: the call never answers until the client gives up; clearing the fault releases waiting calls', async () => {
    ref.setFault('db-hung');
    const giveUp = AbortSignal.timeout(150);
    await assert.rejects(fetch(`${g}/v2/images`, { signal: giveUp }), { name: 'TimeoutError' });
    assert.equal((await call(g, '/healthcheck')).status, 200);
    const waiting = fetch(`${g}/v2/images/${existing}`);
    await new Promise((r) => setTimeout(r, 50));
    ref.setFault(null);
    const res = await waiting;
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });

  it('db-hung: close() drops held calls instead of leaking them', async () => {
    const hung = await start({ auth: 'none', fault: 'db-hung' });
    const pending = fetch(`${hung.glanceUrl}/v2/images`).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((r) => setTimeout(r, 50));
    await hung.close();
    assert.equal(await pending, 'dropped');
  });

  it('db-half-migrated: every call reading an image row is the generic 500 at once; metadefs and tasks 200', async () => {
    const half = await start();
    try {
      const h = half.glanceUrl;
      const tok = await token(half, 'admin');
      const img = await createImage(h, {}, tok);
      assert.equal((await upload(h, img.id, small, tok)).status, 204);
      const queued = await createImage(h, {}, tok);
      half.setFault('db-half-migrated');
      for (const [method, path, body] of [
        ['GET', '/v2/images?limit=1', undefined],
        ['GET', `/v2/images/${img.id}`, undefined],
        ['GET', `/v2/images/${img.id}/file`, undefined],
        ['GET', `/v2/images/${img.id}/members`, undefined],
        ['POST', '/v2/images', { name: 't', disk_format: 'raw', container_format: 'bare' }],
        ['DELETE', `/v2/images/${img.id}`, undefined],
      ] as const) {
        const t0 = Date.now();
        const res = await call(h, path, { method, token: tok, json: body });
        assert.equal(res.status, 500, `${method} ${path}`);
        assert.ok(Date.now() - t0 < 1000, `${method} ${path} answers at once`);
        assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
        assert.equal(await res.text(), PAGE_500);
      }
      const patch = await call(h, `/v2/images/${img.id}`, {
        method: 'PATCH',
        token: tok,
        headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
        body: JSON.stringify([{ op: 'replace', path: '/name', value: 'x' }]),
      });
      assert.equal(patch.status, 500);
      assert.equal(await patch.text(), PAGE_500);
      const put = await upload(h, queued.id, small, tok);
      assert.equal(put.status, 500, 'an upload reads the image row first');
      assert.equal(await put.text(), PAGE_500);
      const json = await call(h, '/v2/images?limit=1', {
        token: tok,
        headers: { accept: 'application/json' },
      });
      assert.equal(await json.text(), JSON_500);
      const namespaces = await call(h, '/v2/metadefs/namespaces?limit=1', { token: tok });
      assert.equal(namespaces.status, 200);
      assert.equal(((await namespaces.json()) as { namespaces: unknown[] }).namespaces.length, 1);
      const tasks = await call(h, '/v2/tasks', { token: tok });
      assert.equal(tasks.status, 200);
      assert.match(tasks.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
      assert.ok(Array.isArray(((await tasks.json()) as { tasks: unknown }).tasks));
      assert.equal((await call(h, '/')).status, 300);
      assert.equal((await call(h, '/healthcheck')).status, 200);
      half.setFault(null);
      const back = await call(h, `/v2/images/${img.id}`, { token: tok });
      assert.equal(back.status, 200);
      assert.equal(((await back.json()) as { status: string }).status, 'active');
      assert.equal(await status(h, queued.id, tok), 'queued');
    } finally {
      await half.close();
    }
  });
});

describe('Keystone faults (captures 8c-8c4)', () => {
  let ref: ReferenceServer;
  let g: string;
  let cached: string;

  before(async () => {
    ref = await start();
    g = ref.glanceUrl;
  });
  after(() => ref.close());
  beforeEach(async () => {
    ref.setFault(null);
    cached = await token(ref, 'admin');
    assert.equal((await call(g, '/v2/images', { token: cached })).status, 200);
  });

  it('keystone-service-password-wrong: tokens get 401 after the delay (the restart lost the cache); / still 300', async () => {
    ref.setFault('keystone-service-password-wrong');
    const t0 = Date.now();
    const res = await call(g, '/v2/images', { token: cached });
    assert.equal(res.status, 401);
    assert.ok(Date.now() - t0 >= FAST_DELAYS.keystonePasswordWrongMs - 5);
    assert.equal(
      res.headers.get('www-authenticate'),
      `Keystone uri="${ref.keystoneUrl.replace(/\/v3$/, '')}"`,
    );
    assert.equal(await res.text(), PAGE_401);
    const fresh = await token(ref, 'demo');
    assert.equal((await call(g, '/v2/images', { token: fresh })).status, 401);
    assert.equal((await call(g, '/v2/images')).status, 401);
    assert.equal((await call(g, '/')).status, 300);
  });

  it('keystone-down: Keystone refuses connections; cached tokens still work, new ones get 401 after the delay', async () => {
    const fresh = await token(ref, 'demo');
    ref.setFault('keystone-down');
    assert.equal(await refused(ref.keystoneUrl), 'ECONNREFUSED');
    assert.equal((await call(g, '/v2/images', { token: cached })).status, 200);
    const t0 = Date.now();
    const res = await call(g, '/v2/images', { token: fresh });
    assert.equal(res.status, 401);
    assert.ok(Date.now() - t0 >= FAST_DELAYS.keystoneDownMs - 5);
    assert.equal(await res.text(), PAGE_401);
    ref.setFault(null);
    assert.equal((await call(ref.keystoneUrl, '')).status, 200);
    assert.equal((await call(g, '/v2/images', { token: fresh })).status, 200);
  });

  it('keystone-down-no-delay-auth: 503 "The Keystone service is temporarily unavailable." at once, no request id', async () => {
    ref.setFault('keystone-down-no-delay-auth');
    assert.equal(await refused(ref.keystoneUrl), 'ECONNREFUSED');
    const res = await call(g, '/v2/images', { token: cached });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('x-openstack-request-id'), null);
    assert.equal(await res.text(), PAGE_503_KEYSTONE);
    assert.equal((await call(g, '/v2/images')).status, 401);
  });

  it('auth-disabled: /v2 answers 200 without a token and with a forged one, as an admin; restored, 401 again', async () => {
    const demos = (await createImage(g, {}, await token(ref, 'demo'))).id;
    ref.setFault('auth-disabled');
    for (const tok of [undefined, 'f'.repeat(32)]) {
      const res = await call(g, '/v2/images', { token: tok });
      assert.equal(res.status, 200, `token ${tok ?? 'none'}`);
      assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
      const doc = (await res.json()) as { images: Array<{ id: string }> };
      assert.ok(
        doc.images.some((i) => i.id === demos),
        "an admin context sees the demo project's private image",
      );
    }
    assert.equal((await call(g, '/')).status, 300);
    ref.setFault(null);
    const res = await call(g, '/v2/images');
    assert.equal(res.status, 401);
    assert.equal(await res.text(), PAGE_401);
    assert.equal((await call(g, '/v2/images', { token: 'f'.repeat(32) })).status, 401);
  });
});

describe('front proxy and glance-api down (captures 8d-proxy)', () => {
  let ref: ReferenceServer;

  before(async () => {
    ref = await start({ auth: 'none' });
  });
  after(() => ref.close());
  beforeEach(() => ref.setFault(null));

  it('passes requests through like nginx: Host kept, Server nginx/1.22.1, Glance headers and bodies unchanged', async () => {
    const p = ref.proxyUrl;
    const root = await call(p, '/');
    assert.equal(root.status, 300);
    assert.equal(root.headers.get('server'), 'nginx/1.22.1');
    assert.equal(await root.text(), versionsBody(new URL(p).host));
    const created = await call(p, '/v2/images', {
      method: 'POST',
      json: { name: 'via-proxy', disk_format: 'qcow2', container_format: 'bare' },
    });
    assert.equal(created.status, 201);
    assert.match(created.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    const { id } = (await created.json()) as { id: string };
    assert.equal(created.headers.get('location'), `${p}/v2/images/${id}`);
    assert.equal((await upload(p, id, small)).status, 204);
    const file = await call(p, `/v2/images/${id}/file`);
    assert.equal(file.headers.get('content-md5'), createHash('md5').update(small).digest('hex'));
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), small);
  });

  it('glance-down-behind-proxy: Glance refuses connections, the proxy answers the nginx 502 page; data survives', async () => {
    const img = await createImage(ref.glanceUrl);
    ref.setFault('glance-down-behind-proxy');
    assert.equal(await refused(`${ref.glanceUrl}/v2/images`), 'ECONNREFUSED');
    for (const method of ['GET', 'POST']) {
      const res = await call(ref.proxyUrl, '/v2/images', {
        method,
        json: method === 'POST' ? { name: 't' } : undefined,
      });
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('server'), 'nginx/1.22.1');
      assert.equal(res.headers.get('content-type'), 'text/html');
      assert.equal(await res.text(), NGINX_502);
    }
    ref.setFault(null);
    assert.equal((await call(ref.glanceUrl, `/v2/images/${img.id}`)).status, 200);
  });

  it('proxy-body-limit: bodies over 1 MiB get the nginx 413 before Glance; small ones pass; Glance direct is unaffected', async () => {
    ref.setFault('proxy-body-limit');
    const img = await createImage(ref.proxyUrl);
    const big = Buffer.alloc(2 * 1024 * 1024, 3);
    const res = await upload(ref.proxyUrl, img.id, big);
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('server'), 'nginx/1.22.1');
    assert.equal(await res.text(), NGINX_502.replace(/502 Bad Gateway/g, '413 Request Entity Too Large'));
    assert.equal(await status(ref.glanceUrl, img.id), 'queued');
    const expecting = await raw(`${ref.proxyUrl}/v2/images/${img.id}/file`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(big.length),
        expect: '100-continue',
      },
      body: big,
      waitForContinue: true,
    });
    assert.equal(expecting.status, 413);
    assert.equal(expecting.continued, false);
    assert.equal((await upload(ref.proxyUrl, img.id, small)).status, 204);
    const direct = await createImage(ref.glanceUrl);
    assert.equal((await upload(ref.glanceUrl, direct.id, big)).status, 204);
  });

  it('db-hung behind the proxy: nginx gives up after proxy_read_timeout with a 504 page', async () => {
    ref.setFault('db-hung');
    const res = await call(ref.proxyUrl, '/v2/images');
    assert.equal(res.status, 504);
    assert.equal(await res.text(), NGINX_502.replace(/502 Bad Gateway/g, '504 Gateway Time-out'));
  });
});

describe('glance-api down and a catalog pointing at a dead port', () => {
  let ref: ReferenceServer;

  before(async () => {
    ref = await start();
  });
  after(() => ref.close());
  beforeEach(() => ref.setFault(null));

  it('glance-down: Glance refuses connections while Keystone issues tokens; the catalog still names Glance; data survives', async () => {
    const tok = await token(ref, 'admin');
    const img = await createImage(ref.glanceUrl, {}, tok);
    ref.setFault('glance-down');
    assert.equal(await refused(`${ref.glanceUrl}/`), 'ECONNREFUSED');
    assert.equal(await refused(`${ref.glanceUrl}/v2/images`), 'ECONNREFUSED');
    const urls = await imageEndpoints(ref);
    assert.deepEqual(urls, { public: ref.glanceUrl, admin: ref.glanceUrl, internal: ref.glanceUrl });
    ref.setFault(null);
    const res = await call(ref.glanceUrl, `/v2/images/${img.id}`, { token: await token(ref, 'admin') });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });

  it('catalog-wrong-port: the public image endpoint refuses connections; internal and admin answer 300; restored, public is Glance again', async () => {
    ref.setFault('catalog-wrong-port');
    const urls = await imageEndpoints(ref);
    assert.notEqual(urls.public, ref.glanceUrl);
    assert.equal(new URL(urls.public!).hostname, new URL(ref.glanceUrl).hostname);
    assert.equal(await refused(`${urls.public}/`), 'ECONNREFUSED');
    for (const i of ['internal', 'admin']) {
      assert.equal(urls[i], ref.glanceUrl, i);
      const root = await call(urls[i]!, '/');
      assert.equal(root.status, 300, i);
      await root.arrayBuffer();
    }
    const list = await call(ref.glanceUrl, '/v2/images', { token: await token(ref, 'admin') });
    assert.equal(list.status, 200, 'Glance itself is fine');
    await list.arrayBuffer();
    ref.setFault(null);
    assert.equal((await imageEndpoints(ref)).public, ref.glanceUrl);
  });
});

describe('store faults (captures 8d-store, 8e)', () => {
  let ref: ReferenceServer;
  let g: string;
  let p: string;

  before(async () => {
    ref = await start({ auth: 'none' });
    g = ref.glanceUrl;
    p = ref.proxyUrl;
  });
  after(() => ref.close());
  beforeEach(() => ref.setFault(null));

  it('store-unwritable: upload is 503 "Insufficient permissions…" direct and through the proxy; image back to queued', async () => {
    ref.setFault('store-unwritable');
    for (const base of [g, p]) {
      const img = await createImage(g);
      const res = await upload(base, img.id, small);
      assert.equal(res.status, 503);
      assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
      assert.equal(await res.text(), PAGE_503_UNWRITABLE);
      assert.equal(await status(g, img.id), 'queued');
    }
    const img = await createImage(g);
    const early = await raw(`${g}/v2/images/${img.id}/file`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(small.length),
        expect: '100-continue',
      },
      body: small,
      waitForContinue: true,
    });
    assert.equal(early.status, 503);
    assert.equal(early.continued, false, 'answered before the body was sent');
  });

  it('store-removed: upload is the generic 500 and the image stays queued; downloads of stored images are 204', async () => {
    const stored = await createImage(g);
    await upload(g, stored.id, small);
    ref.setFault('store-removed');
    for (const base of [g, p]) {
      const img = await createImage(g);
      const res = await upload(base, img.id, small);
      assert.equal(res.status, 500);
      assert.equal(await res.text(), PAGE_500);
      assert.equal(await status(g, img.id), 'queued');
      const dl = await call(base, `/v2/images/${stored.id}/file`);
      assert.equal(dl.status, 204);
      assert.equal(dl.headers.get('content-length'), '0');
      assert.equal(dl.headers.get('content-type'), null);
      assert.equal(await dl.text(), '');
    }
  });

  it('store-full: 100 Continue, then 413 "Image storage media is full"; image back to queued', async () => {
    ref.setFault('store-full');
    const img = await createImage(g);
    const res = await upload(g, img.id, small);
    assert.equal(res.status, 413);
    assert.equal(await res.text(), PAGE_413_STORE_FULL);
    assert.equal(await status(g, img.id), 'queued');
    const big = Buffer.alloc(8 * 1024 * 1024, 5);
    for (const base of [g, p]) {
      const target = await createImage(g);
      const expecting = await raw(`${base}/v2/images/${target.id}/file`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(big.length),
          expect: '100-continue',
        },
        body: big,
        waitForContinue: true,
      });
      assert.equal(expecting.continued, true);
      assert.equal(expecting.status, 413);
      assert.equal(expecting.body, PAGE_413_STORE_FULL);
      assert.equal(await status(g, target.id), 'queued');
    }
  });

  it('store-mount-lost: upload answers 204 and goes active with the checksum, but downloads answer 204 empty', async () => {
    const before = await createImage(g);
    await upload(g, before.id, small);
    ref.setFault('store-mount-lost');
    const img = await createImage(g);
    const res = await upload(p, img.id, small);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('server'), 'nginx/1.22.1');
    const doc = (await (await call(g, `/v2/images/${img.id}`)).json()) as Record<string, unknown>;
    assert.equal(doc.status, 'active');
    assert.equal(doc.checksum, createHash('md5').update(small).digest('hex'));
    for (const id of [img.id, before.id]) {
      const dl = await call(g, `/v2/images/${id}/file`);
      assert.equal(dl.status, 204);
      await dl.arrayBuffer();
    }
    ref.setFault(null);
    const lost = await call(g, `/v2/images/${img.id}/file`);
    assert.equal(lost.status, 204, 'data written while the mount was gone never comes back');
    await lost.arrayBuffer();
    const remounted = await call(g, `/v2/images/${before.id}/file`);
    assert.equal(remounted.status, 200);
    await remounted.arrayBuffer();
  });

  it('store-mount-lost set while an upload streams: 204 and active, but the bytes are gone', async () => {
    const img = await createImage(g, { disk_format: 'raw' });
    const chunk = Buffer.alloc(256 * 1024, 9);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 8) {
          controller.close();
          return;
        }
        if (sent === 4) {
          ref.setFault('store-mount-lost');
          await new Promise((r) => setTimeout(r, 20));
        }
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${g}/v2/images/${img.id}/file`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 204);
    assert.equal(await status(g, img.id), 'active');
    ref.setFault(null);
    const dl = await call(g, `/v2/images/${img.id}/file`);
    assert.equal(dl.status, 204);
    await dl.arrayBuffer();
  });

  it('swift-unmounted: upload 500 after the delay (queued); via the proxy an Apache 502; downloads 500 text/plain', async () => {
    const stored = await createImage(g);
    await upload(g, stored.id, small);
    ref.setFault('swift-unmounted');
    const img = await createImage(g);
    const t0 = Date.now();
    const res = await upload(g, img.id, small);
    assert.equal(res.status, 500);
    assert.ok(Date.now() - t0 >= FAST_DELAYS.swiftMs - 5);
    assert.equal(await res.text(), PAGE_500);
    assert.equal(await status(g, img.id), 'queued');

    const proxied = await upload(p, img.id, small);
    assert.equal(proxied.status, 502);
    assert.match(proxied.headers.get('server') ?? '', /^Apache/);
    const page = (await proxied.text()).replace(/\r?\n/g, ' ');
    assert.match(page, /The proxy server received an invalid response from an upstream server\./);
    assert.equal(await status(g, img.id), 'queued');

    const dl = await call(g, `/v2/images/${stored.id}/file`);
    assert.equal(dl.status, 500);
    assert.equal(dl.headers.get('content-type'), 'text/plain');
    assert.equal(dl.headers.get('content-length'), '0');
    assert.equal(dl.headers.get('connection'), 'close');
    assert.equal(await dl.text(), '');
  });

  it('image-size-cap: an upload past 64 MiB is 413 "The incoming image is too large" with a request id (HTML and JSON); queued; 64 MiB fits', async () => {
    ref.setFault('image-size-cap');
    const over = Buffer.alloc(64 * MIB + 1, 7);
    const img = await createImage(g, { disk_format: 'raw' });
    const res = await upload(g, img.id, over);
    assert.equal(res.status, 413);
    assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.equal(await res.text(), PAGE_413_SIZE_CAP);
    assert.equal(await status(g, img.id), 'queued');
    const json = await call(g, `/v2/images/${img.id}/file`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', accept: 'application/json' },
      body: over,
    });
    assert.equal(json.status, 413);
    assert.equal(await json.text(), JSON_413_SIZE_CAP);
    const proxied = await upload(p, img.id, over);
    assert.equal(proxied.status, 413);
    assert.equal(proxied.headers.get('server'), 'nginx/1.22.1');
    assert.match(
      proxied.headers.get('x-openstack-request-id') ?? '',
      REQUEST_ID,
      "Glance's 413 through the proxy",
    );
    assert.equal(await proxied.text(), PAGE_413_SIZE_CAP);
    assert.equal(await status(g, img.id), 'queued');
    const staged = await call(g, `/v2/images/${img.id}/stage`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: over,
    });
    assert.equal(staged.status, 413, 'staging reads through the same cap');
    assert.equal(await staged.text(), PAGE_413_SIZE_CAP);
    assert.equal(await status(g, img.id), 'queued');
    const fits = over.subarray(0, 64 * MIB);
    assert.equal((await upload(g, img.id, fits)).status, 204);
    const doc = (await (await call(g, `/v2/images/${img.id}`)).json()) as Record<string, unknown>;
    assert.equal(doc.status, 'active');
    assert.equal(doc.size, 64 * MIB);
    ref.setFault(null);
    const big = await createImage(g, { disk_format: 'raw' });
    assert.equal((await upload(g, big.id, over)).status, 204, 'no cap once cleared');
  });

  it('store-small: uploads within the 64 MiB free work and use it up; past it 413 "Image storage media is full", queued; stored images readable', async () => {
    const stored = await createImage(g);
    await upload(g, stored.id, small);
    ref.setFault('store-small');
    const forty = Buffer.alloc(40 * MIB, 3);
    const first = await createImage(g, { disk_format: 'raw' });
    assert.equal((await upload(g, first.id, forty)).status, 204);
    assert.equal(await status(g, first.id), 'active');
    const second = await createImage(g, { disk_format: 'raw' });
    const res = await upload(g, second.id, forty);
    assert.equal(res.status, 413, '40 MiB more does not fit in the 24 MiB left');
    assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    assert.equal(await res.text(), PAGE_413_STORE_FULL);
    assert.equal(await status(g, second.id), 'queued');
    assert.equal((await upload(g, second.id, forty.subarray(0, 20 * MIB))).status, 204, '20 MiB still fits');
    const dl = await call(g, `/v2/images/${stored.id}/file`);
    assert.equal(dl.status, 200);
    assert.deepEqual(Buffer.from(await dl.arrayBuffer()), small);
    assert.equal((await call(g, `/v2/images/${first.id}`, { method: 'DELETE' })).status, 204);
    const third = await createImage(g, { disk_format: 'raw' });
    assert.equal((await upload(g, third.id, forty)).status, 204, 'deleting an image frees its space');
    ref.setFault(null);
    const big = await createImage(g, { disk_format: 'raw' });
    assert.equal((await upload(g, big.id, Buffer.alloc(80 * MIB, 1))).status, 204);
  });

  it('store-data-lost: images active before the fault download as 204 empty with a request id (Range too); new uploads read back; restored, the old data returns', async () => {
    const before = await createImage(g);
    await upload(g, before.id, small);
    ref.setFault('store-data-lost');
    for (const headers of [{}, { range: 'bytes=0-1023' }] as Array<Record<string, string>>) {
      const dl = await call(g, `/v2/images/${before.id}/file`, { headers });
      assert.equal(dl.status, 204, JSON.stringify(headers));
      assert.match(dl.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
      assert.equal(dl.headers.get('content-length'), '0');
      assert.equal(await dl.text(), '');
    }
    assert.equal(await status(g, before.id), 'active', 'the image still says active');
    const fresh = await createImage(g, { disk_format: 'raw' });
    const data = Buffer.alloc(100_000, 4);
    assert.equal((await upload(g, fresh.id, data)).status, 204);
    const part = await call(g, `/v2/images/${fresh.id}/file`, { headers: { range: 'bytes=0-1023' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 0-1023/${data.length}`);
    assert.equal(part.headers.get('content-length'), '1024');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), data.subarray(0, 1024));
    const whole = await call(g, `/v2/images/${fresh.id}/file`);
    assert.equal(whole.status, 200);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), data);
    ref.setFault(null);
    for (const [id, bytes] of [
      [before.id, small],
      [fresh.id, data],
    ] as const) {
      const dl = await call(g, `/v2/images/${id}/file`, { headers: { range: 'bytes=0-1023' } });
      assert.equal(dl.status, 206, id);
      assert.deepEqual(Buffer.from(await dl.arrayBuffer()), bytes.subarray(0, 1024));
    }
  });
});
