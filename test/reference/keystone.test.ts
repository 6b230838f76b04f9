/**
 * Reference Keystone v3 and Glance's token checking, against captures 7-00 … 7-13 and 8c (POST JSON).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReferenceServer } from '../../src/reference/index.js';
import { ENDPOINT_KEYS, JSON_401, PAGE_401, TOKEN_KEYS, versionsBody } from './captured.js';
import { call, createImage, REQUEST_ID, start, token } from './helpers.js';

interface TokenDoc {
  token: {
    methods: string[];
    user: { id: string; name: string; domain: { id: string; name: string } };
    project?: { id: string; name: string; domain: { id: string; name: string } };
    roles?: Array<{ id: string; name: string }>;
    catalog?: Array<{ type: string; name: string; endpoints: Array<Record<string, string>> }>;
    expires_at: string;
    issued_at: string;
    application_credential?: { id: string; name: string; restricted: boolean };
  };
}

function passwordAuth(user: { name: string; password: string }, scope?: unknown): unknown {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user.name, domain: { name: 'Default' }, password: user.password } },
      },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

describe('reference Keystone v3 (captures 7-00 … 7-02)', () => {
  let ref: ReferenceServer;
  let k: string;

  before(async () => {
    ref = await start({ tokenTtlSeconds: 1800 });
    k = ref.keystoneUrl;
  });
  after(() => ref.close());

  it('exposes generated passwords for admin (project admin) and demo (project demo)', () => {
    assert.deepEqual(
      ref.users.map((u) => [u.name, u.project, u.role, u.domain]),
      [
        ['admin', 'admin', 'admin', 'Default'],
        ['demo', 'demo', 'member', 'Default'],
      ],
    );
    for (const u of ref.users) assert.ok(u.password.length >= 12);
    assert.match(k, /^http:\/\/127\.0\.0\.1:\d+\/v3$/);
  });

  it('GET /v3 returns the captured version document', async () => {
    const res = await call(k, '');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('vary'), 'X-Auth-Token');
    assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    const host = new URL(k).host;
    assert.equal(
      await res.text(),
      `{"version": {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z", "links": [{"rel": "self", "href": "http://${host}/v3/"}], "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}}`,
    );
  });

  it('POST /v3/auth/tokens (password, names + domain, project scope) returns 201, X-Subject-Token and the catalog', async () => {
    const admin = ref.users[0];
    assert.ok(admin);
    const res = await call(k, '/auth/tokens', {
      method: 'POST',
      json: passwordAuth(admin, { project: { name: 'admin', domain: { name: 'Default' } } }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.statusText, 'CREATED');
    assert.match(res.headers.get('x-subject-token') ?? '', /^gAAAAAB[\w-]{150,}$/);
    const doc = (await res.json()) as TokenDoc;
    assert.deepEqual(Object.keys(doc.token), TOKEN_KEYS);
    assert.deepEqual(doc.token.methods, ['password']);
    assert.deepEqual(doc.token.user.domain, { id: 'default', name: 'Default' });
    assert.equal(doc.token.project?.name, 'admin');
    assert.deepEqual(
      doc.token.roles?.map((r) => r.name),
      ['reader', 'admin', 'member'],
    );
    const ttl = Date.parse(doc.token.expires_at) - Date.parse(doc.token.issued_at);
    assert.equal(ttl, 1800_000);
    assert.match(doc.token.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/);
    const catalog = doc.token.catalog ?? [];
    assert.deepEqual(
      catalog.map((s) => [s.type, s.name]),
      [
        ['identity', 'keystone'],
        ['image', 'glance'],
      ],
    );
    const image = catalog[1];
    assert.deepEqual(
      image?.endpoints.map((e) => e.interface),
      ['public', 'admin', 'internal'],
    );
    for (const e of image?.endpoints ?? []) {
      assert.deepEqual(Object.keys(e), ENDPOINT_KEYS);
      assert.equal(e.url, ref.glanceUrl);
      assert.equal(e.region_id, 'RegionOne');
    }
    assert.equal(catalog[0]?.endpoints[0]?.url, `${k}/`);
  });

  it('POST /v3/auth/tokens by user id and project id works; a member gets reader and member roles', async () => {
    const demo = ref.users[1];
    assert.ok(demo);
    const first = (await (
      await call(k, '/auth/tokens', {
        method: 'POST',
        json: passwordAuth(demo, { project: { name: 'demo', domain: { id: 'default' } } }),
      })
    ).json()) as TokenDoc;
    const byId = await call(k, '/auth/tokens', {
      method: 'POST',
      json: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { id: first.token.user.id, password: demo.password } },
          },
          scope: { project: { id: first.token.project?.id } },
        },
      },
    });
    assert.equal(byId.status, 201);
    const doc = (await byId.json()) as TokenDoc;
    assert.deepEqual(
      doc.token.roles?.map((r) => r.name),
      ['reader', 'member'],
    );
  });

  it('POST /v3/auth/tokens with a wrong password, unknown user or foreign project returns 401 JSON', async () => {
    const admin = ref.users[0];
    assert.ok(admin);
    const attempts = [
      passwordAuth({ name: 'admin', password: 'wrong' }),
      passwordAuth({ name: 'nobody', password: admin.password }),
      passwordAuth(admin, { project: { name: 'demo', domain: { name: 'Default' } } }),
    ];
    for (const body of attempts) {
      const res = await call(k, '/auth/tokens', { method: 'POST', json: body });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('x-subject-token'), null);
      assert.deepEqual(await res.json(), {
        error: {
          code: 401,
          message: 'The request you have made requires authentication.',
          title: 'Unauthorized',
        },
      });
    }
  });

  it('POST /v3/auth/tokens without scope gives an unscoped token (no project, no catalog)', async () => {
    const admin = ref.users[0];
    assert.ok(admin);
    const res = await call(k, '/auth/tokens', { method: 'POST', json: passwordAuth(admin) });
    assert.equal(res.status, 201);
    const doc = (await res.json()) as TokenDoc;
    assert.equal(doc.token.project, undefined);
    assert.equal(doc.token.catalog, undefined);
  });

  it('POST /v3/auth/tokens with the token method rescopes an unscoped token', async () => {
    const demo = ref.users[1];
    assert.ok(demo);
    const unscoped = await call(k, '/auth/tokens', { method: 'POST', json: passwordAuth(demo) });
    const id = unscoped.headers.get('x-subject-token');
    await unscoped.arrayBuffer();
    const res = await call(k, '/auth/tokens', {
      method: 'POST',
      json: {
        auth: {
          identity: { methods: ['token'], token: { id } },
          scope: { project: { name: 'demo', domain: { name: 'Default' } } },
        },
      },
    });
    assert.equal(res.status, 201);
    const doc = (await res.json()) as TokenDoc;
    assert.equal(doc.token.methods[0], 'token');
    assert.equal(doc.token.project?.name, 'demo');
  });

  it('application credentials: create, then authenticate by id + secret; a wrong secret is 401', async () => {
    const demoToken = await token(ref, 'demo');
    const self = (await (
      await call(k, '/auth/tokens', { headers: { 'x-auth-token': demoToken, 'x-subject-token': demoToken } })
    ).json()) as TokenDoc;
    const created = await call(k, `/users/${self.token.user.id}/application_credentials`, {
      method: 'POST',
      token: demoToken,
      json: { application_credential: { name: 'ref-test-appcred' } },
    });
    assert.equal(created.status, 201);
    const cred = ((await created.json()) as { application_credential: { id: string; secret: string } })
      .application_credential;
    const auth = (secret: string) =>
      call(k, '/auth/tokens', {
        method: 'POST',
        json: {
          auth: {
            identity: {
              methods: ['application_credential'],
              application_credential: { id: cred.id, secret },
            },
          },
        },
      });
    const ok = await auth(cred.secret);
    assert.equal(ok.status, 201);
    const doc = (await ok.json()) as TokenDoc;
    assert.deepEqual(doc.token.methods, ['application_credential']);
    assert.equal(doc.token.project?.name, 'demo');
    assert.equal(doc.token.application_credential?.id, cred.id);
    const appToken = ok.headers.get('x-subject-token') ?? '';
    assert.equal((await call(ref.glanceUrl, '/v2/images', { token: appToken })).status, 200);
    const bad = await auth('not-the-secret');
    assert.equal(bad.status, 401);
    await bad.arrayBuffer();
  });

  it('GET /v3/auth/tokens validates a subject token; unknown ones are 404', async () => {
    const t = await token(ref, 'admin');
    const ok = await call(k, '/auth/tokens', { headers: { 'x-auth-token': t, 'x-subject-token': t } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-subject-token'), t);
    await ok.arrayBuffer();
    const missing = await call(k, '/auth/tokens', {
      headers: { 'x-auth-token': t, 'x-subject-token': 'gAAAAAbogus' },
    });
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
  });
});

describe('reference Glance behind Keystone (captures 7-10 … 7-13, 8c)', () => {
  let ref: ReferenceServer;
  let g: string;
  let admin: string;

  before(async () => {
    ref = await start();
    g = ref.glanceUrl;
    admin = await token(ref, 'admin');
  });
  after(() => ref.close());

  it('GET /v2/images without a token returns the captured 401 with WWW-Authenticate and no request id', async () => {
    const res = await call(g, '/v2/images');
    assert.equal(res.status, 401);
    assert.equal(
      res.headers.get('www-authenticate'),
      `Keystone uri="${ref.keystoneUrl.replace(/\/v3$/, '')}"`,
    );
    assert.equal(res.headers.get('x-openstack-request-id'), null);
    assert.equal(await res.text(), PAGE_401);
  });

  it('GET /v2/images with a bogus token is 401; with Accept: application/json the captured JSON', async () => {
    const res = await call(g, '/v2/images', { token: 'gAAAAAbogus' });
    assert.equal(res.status, 401);
    assert.equal(await res.text(), PAGE_401);
    const json = await call(g, '/v2/images', {
      method: 'POST',
      token: 'gAAAAAbogus',
      headers: { accept: 'application/json' },
      json: { name: 't', disk_format: 'qcow2', container_format: 'bare' },
    });
    assert.equal(json.status, 401);
    assert.equal(json.headers.get('content-type'), 'application/json');
    assert.equal(await json.text(), JSON_401);
  });

  it('GET /, /versions and /healthcheck need no token', async () => {
    const root = await call(g, '/');
    assert.equal(root.status, 300);
    assert.equal(await root.text(), versionsBody(new URL(g).host));
    assert.equal((await call(g, '/versions')).status, 200);
    assert.equal((await call(g, '/healthcheck')).status, 200);
  });

  it("GET /v2/images with an admin token is 200; created images are owned by the token's project", async () => {
    const res = await call(g, '/v2/images?limit=1', { token: admin });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    await res.arrayBuffer();
    const self = (await (
      await call(ref.keystoneUrl, '/auth/tokens', {
        headers: { 'x-auth-token': admin, 'x-subject-token': admin },
      })
    ).json()) as TokenDoc;
    const img = await createImage(g, {}, admin);
    assert.equal(img.owner, self.token.project?.id);
  });

  it('an expired token is refused by Glance', async () => {
    const short = await start({ tokenTtlSeconds: 1 });
    try {
      const t = await token(short, 'admin');
      assert.equal((await call(short.glanceUrl, '/v2/images', { token: t })).status, 200);
      await new Promise((r) => setTimeout(r, 1100));
      const res = await call(short.glanceUrl, '/v2/images', { token: t });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
    } finally {
      await short.close();
    }
  });
});
