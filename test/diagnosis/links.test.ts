// Links a Glance request needs, checked against the table and against what the reference (as captured) does.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { diagnoseExchange, RULES, ruleById } from '../../src/diagnosis/index.js';
import { linkProbe, needsLink, routeOf } from '../../src/diagnosis/links.js';
import type { Link } from '../../src/diagnosis/types.js';
import type { FaultName, ReferenceServer } from '../../src/reference/index.js';
import { connect } from '../../src/target.js';
import { referenceEnv } from '../helpers/cli.js';
import { call, start, token } from '../reference/helpers.js';

const LINKS: readonly Link[] = ['glance', 'keystone', 'db', 'store'];
const ID = '62c0b70d-d901-4eaf-aeb0-3c16a8fdda90';

/** [method, path] pairs for every route the reference serves. */
const REQUESTS: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/'],
  ['HEAD', '/'],
  ['GET', '/versions'],
  ['GET', '/healthcheck'],
  ['GET', '/v2'],
  ['GET', '/v2/schemas/image'],
  ['GET', '/v2/schemas/images'],
  ['GET', '/v2/schemas/metadefs/namespace'],
  ['GET', '/v2/info/import'],
  ['GET', '/v2/info/stores'],
  ['GET', '/v2/info/stores/detail'],
  ['GET', '/v2/info/usage'],
  ['GET', '/v2/images'],
  ['POST', '/v2/images'],
  ['GET', `/v2/images/${ID}`],
  ['PATCH', `/v2/images/${ID}`],
  ['DELETE', `/v2/images/${ID}`],
  ['GET', `/v2/images/${ID}/file`],
  ['PUT', `/v2/images/${ID}/file`],
  ['PUT', `/v2/images/${ID}/stage`],
  ['POST', `/v2/images/${ID}/import`],
  ['GET', `/v2/images/${ID}/members`],
  ['GET', `/v2/images/${ID}/members/${ID}`],
  ['PUT', `/v2/images/${ID}/tags/gh`],
  ['POST', `/v2/images/${ID}/actions/deactivate`],
  ['GET', `/v2/images/${ID}/tasks`],
  ['GET', '/v2/tasks'],
  ['GET', `/v2/tasks/${ID}`],
  ['GET', '/v2/metadefs/namespaces'],
  ['GET', '/v2/metadefs/resource_types'],
];

function needing(link: Link): string[] {
  return REQUESTS.filter(([m, p]) => needsLink(link, m, p)).map(
    ([m, p]) => `${m} ${p.replaceAll(ID, '{id}')}`,
  );
}

describe('needsLink', () => {
  it('glance: every request', () => {
    assert.equal(needing('glance').length, REQUESTS.length);
  });

  it('keystone: every request but GET/HEAD of /, /versions and /healthcheck', () => {
    assert.deepEqual(
      REQUESTS.filter(([m, p]) => !needsLink('keystone', m, p)).map(([m, p]) => `${m} ${p}`),
      ['GET /', 'HEAD /', 'GET /versions', 'GET /healthcheck'],
    );
    assert.equal(needsLink('keystone', 'POST', '/'), true);
    assert.equal(needsLink('keystone', 'GET', '/v2/schemas/image'), true);
  });

  it('db: images (data, members, tags, actions included), tasks, metadefs and usage; not schemas or info', () => {
    assert.deepEqual(needing('db'), [
      'GET /v2/info/usage',
      'GET /v2/images',
      'POST /v2/images',
      'GET /v2/images/{id}',
      'PATCH /v2/images/{id}',
      'DELETE /v2/images/{id}',
      'GET /v2/images/{id}/file',
      'PUT /v2/images/{id}/file',
      'PUT /v2/images/{id}/stage',
      'POST /v2/images/{id}/import',
      'GET /v2/images/{id}/members',
      'GET /v2/images/{id}/members/{id}',
      'PUT /v2/images/{id}/tags/gh',
      'POST /v2/images/{id}/actions/deactivate',
      'GET /v2/images/{id}/tasks',
      'GET /v2/tasks',
      'GET /v2/tasks/{id}',
      'GET /v2/metadefs/namespaces',
      'GET /v2/metadefs/resource_types',
    ]);
  });

  it('store: upload, stage and import only', () => {
    assert.deepEqual(needing('store'), [
      'PUT /v2/images/{id}/file',
      'PUT /v2/images/{id}/stage',
      'POST /v2/images/{id}/import',
    ]);
  });

  it("matches on the /v2 part: the endpoint's own prefix, a query string, a minor version, a trailing slash", () => {
    assert.equal(routeOf('/image/v2/images?limit=1'), '/v2/images');
    assert.equal(routeOf('/v2.15/images/x/file'), '/v2/images/x/file');
    assert.equal(routeOf('/image/'), '/');
    assert.equal(routeOf('/image/versions'), '/versions');
    assert.equal(routeOf('/image/healthcheck?x=1'), '/healthcheck');
    assert.equal(needsLink('db', 'GET', '/image/v2/images?limit=1'), true);
    assert.equal(needsLink('store', 'put', `/image/v2/images/${ID}/file`), true);
    assert.equal(needsLink('store', 'PUT', `/v2/images/${ID}/file/`), true);
    assert.equal(needsLink('keystone', 'GET', '/image/'), false);
    assert.equal(needsLink('keystone', 'GET', '/image/versions'), false);
    assert.equal(needsLink('db', 'GET', '/v2/schemas/images?x=1'), false);
    assert.equal(needsLink('db', 'GET', '/v2/imagesx'), false);
    assert.equal(needsLink('store', 'GET', `/v2/images/${ID}/file`), false);
  });
});

describe('linkProbe', () => {
  it('is a read-only GET that needs its link: / for glance, /v2/images?limit=1 for db and keystone, none for store', () => {
    assert.deepEqual(linkProbe('glance'), { method: 'GET', path: '/' });
    assert.deepEqual(linkProbe('keystone'), { method: 'GET', path: '/v2/images?limit=1' });
    assert.deepEqual(linkProbe('db'), { method: 'GET', path: '/v2/images?limit=1' });
    assert.equal(linkProbe('store'), undefined);
    for (const link of LINKS) {
      const p = linkProbe(link);
      if (p) assert.ok(needsLink(link, p.method, p.path), link);
    }
  });
});

describe('rules that block a link', () => {
  it('name the link their cause breaks', () => {
    const blocking = Object.fromEntries(RULES.filter((r) => r.blocks).map((r) => [r.id, r.blocks]));
    assert.deepEqual(blocking, {
      'db.unreachable': 'db',
      'glance.down': 'glance',
      'keystone.unreachable': 'keystone',
      'keystone.user-credentials': 'keystone',
      'keystone.service-credentials': 'keystone',
      'proxy.upstream-invalid': 'glance',
      'proxy.upstream-down': 'glance',
      'swift.unavailable': 'store',
      'store.full': 'store',
      'store.unwritable': 'store',
      'store.missing': 'store',
      'db.hung': 'db',
      'db.not-synced': 'db',
    });
  });
});

describe('the link table against the reference', () => {
  let ref: ReferenceServer;
  let admin: string;
  before(async () => {
    ref = await start();
    admin = await token(ref, 'admin');
  });
  after(() => ref.close());

  async function status(base: string, method: string, path: string, tok?: string): Promise<number> {
    const res = await call(base, path, { method, ...(tok ? { token: tok } : {}) });
    await res.arrayBuffer();
    return res.status;
  }

  it('without a token, exactly the requests that need no keystone link are answered (the rest 401)', async () => {
    for (const [method, path] of REQUESTS) {
      const got = await status(ref.glanceUrl, method, path);
      assert.equal(got === 401, needsLink('keystone', method, path), `${method} ${path} → ${got}`);
    }
  });

  it('with db-not-synced, every request answered 500 needs the db link; those that do not need it still answer', async () => {
    ref.setFault('db-not-synced');
    try {
      for (const [method, path] of REQUESTS) {
        const got = await status(ref.glanceUrl, method, path, admin);
        if (got === 500) assert.ok(needsLink('db', method, path), `${method} ${path} → 500`);
        if (!needsLink('db', method, path)) assert.ok(got < 500, `${method} ${path} → ${got}`);
      }
    } finally {
      ref.setFault(null);
    }
  });

  it("each link's probe, sent while its link is broken, shows a cause that blocks that link", async () => {
    const cases: ReadonlyArray<readonly [Link, FaultName, 'glance' | 'proxy']> = [
      ['db', 'db-not-synced', 'glance'],
      ['db', 'db-down', 'glance'],
      ['keystone', 'keystone-service-password-wrong', 'glance'],
      ['glance', 'glance-down-behind-proxy', 'proxy'],
    ];
    for (const [link, fault, via] of cases) {
      const env = {
        ...referenceEnv(ref),
        OS_IMAGE_ENDPOINT_OVERRIDE: via === 'proxy' ? ref.proxyUrl : ref.glanceUrl,
      };
      const cfg = resolveConfig({ flags: {}, env, cwd: tmpdir(), homeDir: tmpdir() });
      const target = await connect(cfg);
      try {
        // Glance caches the token first, as it has during a run (db-down fails uncached tokens with 401).
        assert.equal((await target.glance.images.list({ limit: 1 })).status, 200);
        ref.setFault(fault);
        const probe = linkProbe(link)!;
        const res = await target.glance.transport.call({ method: probe.method, path: probe.path });
        const cause = diagnoseExchange(res.exchange, [], { keystoneUrl: ref.keystoneUrl, tokenIssued: true });
        assert.equal(ruleById(cause?.id ?? '')?.blocks, link, `${fault}: ${res.status} → ${cause?.id}`);
        ref.setFault(null);
        const healthy = await target.glance.transport.call({ method: probe.method, path: probe.path });
        assert.equal(
          diagnoseExchange(healthy.exchange, [], {}),
          undefined,
          `${link} probe on a healthy link`,
        );
      } finally {
        ref.setFault(null);
        await target.close();
      }
    }
  });

  it('a fresh random id: its upload is 404 with the store broken, 500 with the database broken', async () => {
    for (const [fault, want] of [
      ['store-removed', 404],
      ['db-not-synced', 500],
    ] as const) {
      ref.setFault(fault);
      const res = await call(ref.glanceUrl, `/v2/images/${randomUUID()}/file`, {
        method: 'PUT',
        token: admin,
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(16),
      });
      await res.arrayBuffer();
      ref.setFault(null);
      assert.equal(res.status, want, fault);
    }
  });
});
