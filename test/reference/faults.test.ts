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
} from './captured.js';
import { call, createImage, FAST_DELAYS, qcow2, REQUEST_ID, raw, start, token, upload } from './helpers.js';

const small = qcow2(196616, 67108864);

async function status(base: string, id: string, tok?: string): Promise<string> {
  const doc = (await (await call(base, `/v2/images/${id}`, { token: tok })).json()) as { status: string };
  return doc.status;
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
  it('FAULTS lists the fourteen faults, each with a description', () => {
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
      ],
    );
    for (const f of FAULTS) assert.ok(f.description.length > 20, f.name);
  });

  it("a fault behind the front proxy (viaProxy) makes the catalog name the proxy; the others keep Glance's port", async () => {
    assert.deepEqual(
      FAULTS.filter((f) => f.viaProxy).map((f) => f.name),
      ['glance-down-behind-proxy', 'proxy-body-limit'],
    );
    const ref = await start();
    try {
      const imageUrls = async (): Promise<string[]> => {
        const res = await call(ref.keystoneUrl, '/auth/catalog', { token: await token(ref, 'admin') });
        const doc = (await res.json()) as {
          catalog: Array<{ type: string; endpoints: Array<{ url: string }> }>;
        };
        return doc.catalog.find((s) => s.type === 'image')?.endpoints.map((e) => e.url) ?? [];
      };
      assert.deepEqual(await imageUrls(), [ref.glanceUrl, ref.glanceUrl, ref.glanceUrl]);
      for (const f of FAULTS) {
        ref.setFault(f.name);
        const urls = await imageUrls().catch(() => undefined);
        // Faults that stop logins (Keystone down, its database down) leave no catalog to read.
        if (urls)
          assert.deepEqual(new Set(urls), new Set([f.viaProxy ? ref.proxyUrl : ref.glanceUrl]), f.name);
      }
      ref.setFault('glance-down-behind-proxy');
      const [url] = await imageUrls();
      const res = await call(url!, '/v2/images');
      assert.equal(res.status, 502, 'the catalog endpoint answers the proxy page, not a refusal');
      assert.equal(await res.text(), NGINX_502);
      ref.setFault(null);
      assert.deepEqual(await imageUrls(), [ref.glanceUrl, ref.glanceUrl, ref.glanceUrl]);
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
});
