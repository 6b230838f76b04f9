// Each lab fault on the real services: break it, check what a client sees, restore, check health.
// Needs root and a running lab (glance-harness lab up); runs only with GLANCE_HARNESS_LAB_TESTS=1.
// Expected shapes come from the Zed captures in /work/shared/reference/glance-zed (FACTS.md).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, type TestContext, test } from 'node:test';
import { type Dispatcher, request } from 'undici';
import { digestBuffer } from '../../src/data/hash.js';
import { LAB_ENDPOINTS, LAB_FAULTS, type LabFault, labPaths, runLabCaptured } from '../../src/lab/index.js';

const ENABLED = process.env.GLANCE_HARNESS_LAB_TESTS === '1';
const SKIP_REASON = 'not run: set GLANCE_HARNESS_LAB_TESTS=1 with a running lab (glance-harness lab up)';
const RUN_ID = randomBytes(3).toString('hex');
const paths = labPaths();
const { glance: GLANCE, proxy: PROXY } = LAB_ENDPOINTS;
const KEYSTONE = LAB_ENDPOINTS.keystone;
// Every fault breaks, checks and restores within this; the slowest (restarts, db_sync) take ~15 s.
const CASE_TIMEOUT_MS = 120_000;

interface Reply {
  /** Undefined when no HTTP response came back (refused, reset, empty reply). */
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
  ms: number;
  errorCode?: string;
}

interface Call {
  token?: string;
  /** Send no Accept header at all (undici's default); otherwise curl's and fetch's `*\/*`. */
  noAccept?: boolean;
  body?: Uint8Array | string;
  headers?: Record<string, string>;
}

/** One HTTP exchange on a fresh connection, so a restarted service never sees a stale socket. */
async function call(method: Dispatcher.HttpMethod, url: string, options: Call = {}): Promise<Reply> {
  // Glance words its errors by Accept: */* gives HTML (as in the captures), none gives text/plain.
  const headers: Record<string, string> = options.noAccept ? {} : { accept: '*/*' };
  Object.assign(headers, options.headers);
  if (options.token) headers['x-auth-token'] = options.token;
  const started = performance.now();
  try {
    const res = await request(url, {
      method,
      headers,
      body: options.body,
      reset: true,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const body = await res.body.text();
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: res.statusCode, headers: flat, body, ms: performance.now() - started };
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).name;
    return { status: undefined, headers: {}, body: '', ms: performance.now() - started, errorCode: code };
  }
}

function describeReply(what: string, reply: Reply): string {
  const head = reply.status === undefined ? `no response (${reply.errorCode})` : `${reply.status}`;
  return `${what} -> ${head} in ${Math.round(reply.ms)} ms: ${reply.body.slice(0, 300)}`;
}

function expectStatus(reply: Reply, status: number, what: string): void {
  assert.equal(reply.status, status, describeReply(`${what} (expected ${status})`, reply));
}

async function readOpenrc(file: string): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const m = /^export (OS_[A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) vars[m[1]] = m[2];
  }
  return vars;
}

let admin: Record<string, string> = {};

/** A project-scoped admin token from the lab's Keystone (the credentials in openrc-admin). */
async function adminToken(): Promise<string> {
  const reply = await keystoneLogin();
  expectStatus(reply, 201, 'POST /v3/auth/tokens as admin');
  const token = reply.headers['x-subject-token'];
  assert.ok(token, 'Keystone gave no X-Subject-Token');
  return token;
}

function keystoneLogin(): Promise<Reply> {
  const auth = {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: admin.OS_USERNAME, domain: { name: 'Default' }, password: admin.OS_PASSWORD },
        },
      },
      scope: { project: { name: admin.OS_PROJECT_NAME, domain: { name: 'Default' } } },
    },
  };
  return call('POST', `${KEYSTONE}/auth/tokens`, {
    body: JSON.stringify(auth),
    headers: { 'content-type': 'application/json' },
  });
}

const created = new Set<string>();

/** Creates a queued raw image named ghlab-<run>-<purpose> and registers it for deletion. */
async function createImage(base: string, token: string, purpose: string): Promise<string> {
  const reply = await call('POST', `${base}/v2/images`, {
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `ghlab-${RUN_ID}-${purpose}`,
      disk_format: 'raw',
      container_format: 'bare',
      tags: [`ghlab-${RUN_ID}`],
    }),
  });
  expectStatus(reply, 201, `POST ${base}/v2/images`);
  const id = (JSON.parse(reply.body) as { id: string }).id;
  created.add(id);
  return id;
}

function upload(base: string, token: string, id: string, data: Uint8Array): Promise<Reply> {
  return call('PUT', `${base}/v2/images/${id}/file`, {
    token,
    body: data,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

async function showImage(token: string, id: string): Promise<Record<string, unknown>> {
  const reply = await call('GET', `${GLANCE}/v2/images/${id}`, { token });
  expectStatus(reply, 200, `GET /v2/images/${id}`);
  return JSON.parse(reply.body) as Record<string, unknown>;
}

/** Sends requests with a token until Glance's auth_token middleware (every worker) has it cached. */
async function warmTokenCache(token: string): Promise<void> {
  for (let i = 0; i < 16; i++) {
    expectStatus(await call('GET', `${GLANCE}/v2/images?limit=1`, { token }), 200, 'warming GET /v2/images');
  }
}

async function isMountPoint(dir: string): Promise<boolean> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  return mountinfo.split('\n').some((line) => line.split(' ')[4] === dir);
}

async function lab(args: string[]): Promise<string> {
  const run = await runLabCaptured(args);
  assert.equal(run.code, 0, `lab ${args.join(' ')} exited ${run.code}\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

/** Breaks, runs the checks, always restores, then proves the lab is healthy again. */
async function withFault(t: TestContext, fault: LabFault, checks: () => Promise<void>): Promise<void> {
  t.diagnostic((await lab(['break', fault])).trim());
  let failure: unknown;
  try {
    await checks();
  } catch (err) {
    failure = err;
  }
  const restored = await runLabCaptured(['restore']);
  if (failure) {
    if (restored.code !== 0)
      t.diagnostic(`lab restore also failed (${restored.code}):\n${restored.stdout}${restored.stderr}`);
    throw failure;
  }
  assert.equal(restored.code, 0, `lab restore exited ${restored.code}\n${restored.stdout}${restored.stderr}`);
  const token = await adminToken();
  expectStatus(
    await call('GET', `${GLANCE}/v2/images?limit=1`, { token }),
    200,
    'GET /v2/images after restore',
  );
  expectStatus(
    await call('GET', `${PROXY}/v2/images?limit=1`, { token }),
    200,
    'GET :8080/v2/images after restore',
  );
}

const GENERIC_500 = 'The server has either erred or is incapable of performing the requested operation.';
const NGINX_502 = '<center><h1>502 Bad Gateway</h1></center>';
const NGINX_413 = '<center><h1>413 Request Entity Too Large</h1></center>';

interface FaultCase {
  title: string;
  run: (t: TestContext) => Promise<void>;
}

// One case per fault; the Record type makes a new fault in LAB_FAULTS fail to compile until it has one.
const CASES: Record<LabFault, FaultCase> = {
  'db-not-synced': {
    title: 'db-not-synced: GET /v2/images 500, GET / 300, GET /healthcheck 200',
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'db-not-synced', async () => {
        const list = await call('GET', `${GLANCE}/v2/images`, { token });
        expectStatus(list, 500, 'GET /v2/images');
        assert.match(list.headers['content-type'] ?? '', /^text\/html/);
        assert.ok(list.body.includes(GENERIC_500), describeReply('generic 500 body', list));
        assert.ok(list.headers['x-openstack-request-id']?.startsWith('req-'), 'Glance request id on the 500');
        const plain = await call('GET', `${GLANCE}/v2/images`, { token, noAccept: true });
        expectStatus(plain, 500, 'GET /v2/images (no Accept)');
        assert.match(plain.headers['content-type'] ?? '', /^text\/plain/);
        const json = await call('GET', `${GLANCE}/v2/images`, {
          token,
          headers: { accept: 'application/json' },
        });
        expectStatus(json, 500, 'GET /v2/images (Accept: application/json)');
        assert.equal((JSON.parse(json.body) as { code: string }).code, '500 Internal Server Error');
        expectStatus(await call('GET', `${GLANCE}/`), 300, 'GET /');
        const health = await call('GET', `${GLANCE}/healthcheck`);
        expectStatus(health, 200, 'GET /healthcheck');
        assert.equal(health.body, 'OK');
      });
    },
  },

  'db-down': {
    title: 'db-down: GET /v2/images 500 fast (cached token), 401 (new token), Keystone login gets no reply',
    run: async (t) => {
      const cached = await adminToken();
      const fresh = await adminToken();
      await warmTokenCache(cached);
      await withFault(t, 'db-down', async () => {
        const list = await call('GET', `${GLANCE}/v2/images`, { token: cached });
        expectStatus(list, 500, 'GET /v2/images with a cached token');
        assert.ok(list.body.includes(GENERIC_500), describeReply('generic 500 body', list));
        assert.ok(list.ms < 2000, `the 500 should be quick (no DB timeout): ${Math.round(list.ms)} ms`);
        // Keystone cannot validate a token it has not seen before without its DB.
        expectStatus(
          await call('GET', `${GLANCE}/v2/images`, { token: fresh }),
          401,
          'GET /v2/images, new token',
        );
        expectStatus(await call('GET', `${GLANCE}/`), 300, 'GET /');
        expectStatus(await call('GET', `${GLANCE}/healthcheck`), 200, 'GET /healthcheck');
        const login = await keystoneLogin();
        // uwsgi logs "500, 0 headers" and closes: the client gets an empty reply, not a status.
        assert.equal(login.status, undefined, describeReply('POST /v3/auth/tokens with MariaDB down', login));
        t.diagnostic(`POST /v3/auth/tokens: no response (${login.errorCode})`);
      });
    },
  },

  'keystone-service-password-wrong': {
    title: 'keystone-service-password-wrong: GET /v2/images 401 with WWW-Authenticate, GET / 300',
    run: async (t) => {
      await withFault(t, 'keystone-service-password-wrong', async () => {
        const token = await adminToken();
        for (const base of [GLANCE, PROXY]) {
          const list = await call('GET', `${base}/v2/images`, { token });
          expectStatus(list, 401, `GET ${base}/v2/images`);
          assert.equal(list.headers['www-authenticate'], 'Keystone uri="http://127.0.0.1:5000"');
          assert.match(list.body, /401 Unauthorized/);
          t.diagnostic(`GET ${base}/v2/images -> 401 in ${Math.round(list.ms)} ms`);
        }
        expectStatus(await call('GET', `${GLANCE}/`), 300, 'GET /');
      });
    },
  },

  'keystone-down': {
    title: 'keystone-down: login refused, GET /v2/images 401 for a new token, 200 for a cached one',
    run: async (t) => {
      const cached = await adminToken();
      const fresh = await adminToken();
      await warmTokenCache(cached);
      await withFault(t, 'keystone-down', async () => {
        const login = await keystoneLogin();
        assert.equal(login.errorCode, 'ECONNREFUSED', describeReply('POST /v3/auth/tokens', login));
        const list = await call('GET', `${GLANCE}/v2/images`, { token: fresh });
        expectStatus(list, 401, 'GET /v2/images with a token Glance has not cached');
        assert.equal(list.headers['www-authenticate'], 'Keystone uri="http://127.0.0.1:5000"');
        t.diagnostic(`new token -> 401 in ${Math.round(list.ms)} ms (Zed capture: ~3.5 s)`);
        expectStatus(
          await call('GET', `${GLANCE}/v2/images`, { token: cached }),
          200,
          'GET /v2/images, cached token',
        );
      });
    },
  },

  'auth-disabled': {
    title:
      'auth-disabled: GET /v2/images 200 without a token and with a forged one, every image listed; GET / 300',
    run: async (t) => {
      const token = await adminToken();
      const id = await createImage(GLANCE, token, 'auth-disabled');
      await withFault(t, 'auth-disabled', async () => {
        for (const [what, forged] of [
          ['without a token', undefined],
          ['with a forged token', randomBytes(16).toString('hex')],
        ] as const) {
          const list = await call(
            'GET',
            `${GLANCE}/v2/images?tag=ghlab-${RUN_ID}`,
            forged ? { token: forged } : {},
          );
          expectStatus(list, 200, `GET /v2/images ${what}`);
          assert.ok(
            list.headers['x-openstack-request-id']?.startsWith('req-'),
            'Glance request id on the 200',
          );
          const ids = (JSON.parse(list.body) as { images: Array<{ id: string }> }).images.map((i) => i.id);
          assert.ok(
            ids.includes(id),
            `the admin project's image is listed ${what}: ${list.body.slice(0, 300)}`,
          );
          t.diagnostic(`GET /v2/images ${what} -> 200 in ${Math.round(list.ms)} ms`);
        }
        expectStatus(await call('GET', `${GLANCE}/`), 300, 'GET /');
      });
      expectStatus(
        await call('GET', `${GLANCE}/v2/images`),
        401,
        'GET /v2/images without a token after restore',
      );
    },
  },

  'glance-down': {
    title: 'glance-down: through nginx 502 nginx HTML (GET and POST), direct connection refused',
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'glance-down', async () => {
        const list = await call('GET', `${PROXY}/v2/images`, { token });
        expectStatus(list, 502, 'GET :8080/v2/images');
        assert.match(list.headers.server ?? '', /^nginx/);
        assert.equal(list.headers['content-type'], 'text/html');
        assert.ok(list.body.includes(NGINX_502), describeReply('nginx 502 page', list));
        assert.equal(
          list.headers['x-openstack-request-id'],
          undefined,
          'no Glance request id on a proxy 502',
        );
        const create = await call('POST', `${PROXY}/v2/images`, {
          token,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            name: `ghlab-${RUN_ID}-never`,
            disk_format: 'raw',
            container_format: 'bare',
          }),
        });
        expectStatus(create, 502, 'POST :8080/v2/images');
        const direct = await call('GET', `${GLANCE}/v2/images`, { token });
        assert.equal(direct.errorCode, 'ECONNREFUSED', describeReply('GET :9292/v2/images', direct));
      });
    },
  },

  'store-unwritable': {
    title: 'store-unwritable: PUT file 503 "Insufficient permissions", image back to queued',
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'store-unwritable', async () => {
        for (const base of [GLANCE, PROXY]) {
          const id = await createImage(base, token, 'unwritable');
          const put = await upload(base, token, id, randomBytes(196_616));
          expectStatus(put, 503, `PUT ${base}/v2/images/{id}/file`);
          assert.match(put.body, /Insufficient permissions on image storage media/);
          assert.equal((await showImage(token, id)).status, 'queued');
        }
      });
    },
  },

  'store-removed': {
    title: 'store-removed: PUT file 500 and image queued; existing image download 204 empty',
    run: async (t) => {
      const token = await adminToken();
      const existing = await createImage(GLANCE, token, 'before-removal');
      expectStatus(
        await upload(GLANCE, token, existing, randomBytes(65_536)),
        204,
        'upload before the fault',
      );
      await withFault(t, 'store-removed', async () => {
        for (const base of [GLANCE, PROXY]) {
          const id = await createImage(base, token, 'removed');
          const put = await upload(base, token, id, randomBytes(196_616));
          expectStatus(put, 500, `PUT ${base}/v2/images/{id}/file`);
          assert.ok(put.body.includes(GENERIC_500), describeReply('generic 500 body', put));
          assert.equal((await showImage(token, id)).status, 'queued');
          const get = await call('GET', `${base}/v2/images/${existing}/file`, { token });
          expectStatus(get, 204, `GET ${base}/v2/images/{existing}/file`);
          assert.equal(get.body.length, 0);
        }
      });
    },
  },

  'store-full': {
    title:
      'store-full: PUT file 413 "Image storage media is full", image queued (nginx passes Glance\'s 413)',
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'store-full', async () => {
        for (const base of [GLANCE, PROXY]) {
          const id = await createImage(base, token, 'full');
          const put = await upload(base, token, id, randomBytes(1_048_576));
          expectStatus(put, 413, `PUT ${base}/v2/images/{id}/file`);
          assert.match(put.body, /Image storage media is full/);
          // Glance's 413 keeps its request id through nginx; nginx's own 413 (proxy-body-limit) has none.
          assert.ok(
            put.headers['x-openstack-request-id']?.startsWith('req-'),
            'Glance request id on the 413',
          );
          assert.equal((await showImage(token, id)).status, 'queued');
        }
      });
    },
  },

  'store-mount-lost': {
    title: 'store-mount-lost: PUT file 204 and image active with checksum, then download 204 empty',
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'store-mount-lost', async () => {
        assert.ok(await isMountPoint(paths.store), `${paths.store} should be a mount point once broken`);
        const data = randomBytes(4 * 1_048_576);
        const id = await createImage(GLANCE, token, 'mount-lost');
        expectStatus(await upload(GLANCE, token, id, data), 204, 'PUT /v2/images/{id}/file');
        const image = await showImage(token, id);
        assert.equal(image.status, 'active');
        assert.equal(image.size, data.length);
        assert.equal(image.checksum, digestBuffer(data).md5);
        for (let i = 0; i < 50 && (await isMountPoint(paths.store)); i++) await sleep(100);
        assert.equal(await isMountPoint(paths.store), false, 'the watcher should have unmounted the store');
        for (const base of [GLANCE, PROXY]) {
          const get = await call('GET', `${base}/v2/images/${id}/file`, { token });
          expectStatus(get, 204, `GET ${base}/v2/images/{id}/file`);
          assert.equal(get.body.length, 0);
        }
      });
    },
  },

  'proxy-body-limit': {
    title: 'proxy-body-limit: PUT file over 1 MiB through nginx 413 nginx HTML; direct 204',
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'proxy-body-limit', async () => {
        const id = await createImage(PROXY, token, 'body-limit');
        const data = randomBytes(2 * 1_048_576);
        const put = await upload(PROXY, token, id, data);
        expectStatus(put, 413, 'PUT :8080/v2/images/{id}/file');
        assert.match(put.headers.server ?? '', /^nginx/);
        assert.ok(put.body.includes(NGINX_413), describeReply('nginx 413 page', put));
        assert.equal(put.headers['x-openstack-request-id'], undefined, 'nginx answered, not Glance');
        assert.equal((await showImage(token, id)).status, 'queued');
        expectStatus(await upload(GLANCE, token, id, data), 204, 'PUT :9292/v2/images/{id}/file');
        assert.equal((await showImage(token, id)).status, 'active');
      });
    },
  },

  'swift-unmounted': {
    title: 'swift-unmounted: PUT file 500 after ~31 s (swift client retries), image queued; nginx passes it',
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'swift-unmounted', async () => {
        const data = randomBytes(100_000);
        const puts = await Promise.all(
          [GLANCE, PROXY].map(async (base) => {
            const id = await createImage(base, token, 'swift');
            return { base, id, put: await upload(base, token, id, data) };
          }),
        );
        for (const { base, id, put } of puts) {
          expectStatus(put, 500, `PUT ${base}/v2/images/{id}/file`);
          assert.ok(put.body.includes(GENERIC_500), describeReply('generic 500 body', put));
          assert.ok(put.ms >= 20_000, `the 500 came after Glance's retries (${put.ms} ms), not at once`);
          assert.equal((await showImage(token, id)).status, 'queued');
        }
      });
    },
  },

  'db-half-migrated': {
    title: 'db-half-migrated: GET /v2/images 500 at once with a request id; metadef namespaces and tasks 200',
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'db-half-migrated', async () => {
        const list = await call('GET', `${GLANCE}/v2/images?limit=1`, { token });
        expectStatus(list, 500, 'GET /v2/images');
        assert.ok(list.body.includes(GENERIC_500), describeReply('generic 500 body', list));
        assert.ok(list.headers['x-openstack-request-id']?.startsWith('req-'), 'Glance request id on the 500');
        assert.ok(list.ms < 5_000, `the 500 came at once (${Math.round(list.ms)} ms)`);
        for (const path of ['/v2/metadefs/namespaces?limit=1', '/v2/tasks'])
          expectStatus(await call('GET', `${GLANCE}${path}`, { token }), 200, `GET ${path}`);
      });
    },
  },

  'catalog-wrong-port': {
    title: 'catalog-wrong-port: the public image endpoint refuses connections; internal and admin answer 300',
    run: async (t) => {
      await withFault(t, 'catalog-wrong-port', async () => {
        const login = await keystoneLogin();
        expectStatus(login, 201, 'POST /v3/auth/tokens');
        const catalog = (
          JSON.parse(login.body) as {
            token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> };
          }
        ).token.catalog;
        const endpoints = catalog.find((s) => s.type === 'image')?.endpoints ?? [];
        const url = (i: string): string => endpoints.find((e) => e.interface === i)?.url ?? '';
        assert.notEqual(url('public'), GLANCE, 'the public endpoint moved');
        const dead = await call('GET', `${url('public')}/`);
        assert.equal(dead.status, undefined, describeReply('GET on the public endpoint', dead));
        assert.equal(dead.errorCode, 'ECONNREFUSED');
        for (const i of ['internal', 'admin']) {
          assert.equal(url(i), GLANCE);
          expectStatus(await call('GET', `${url(i)}/`), 300, `GET / on the ${i} endpoint`);
        }
      });
    },
  },

  'store-data-lost': {
    title:
      'store-data-lost: the active image stored before answers 204 empty (also with Range); a new image uploads and answers Range with 206',
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'store-data-lost', async () => {
        const lost = await call(
          'GET',
          `${GLANCE}/v2/images?status=active&sort_key=created_at&sort_dir=desc&limit=1`,
          { token },
        );
        expectStatus(lost, 200, 'GET /v2/images?status=active');
        const image = (JSON.parse(lost.body) as { images: Array<{ id: string; size: number }> }).images[0];
        assert.ok(image, 'the fault stored an active image first');
        assert.equal(image.size, 1_048_576);
        for (const headers of [{}, { range: 'bytes=0-1023' }] as Array<Record<string, string>>) {
          const get = await call('GET', `${GLANCE}/v2/images/${image.id}/file`, { token, headers });
          expectStatus(get, 204, `GET /v2/images/{id}/file ${JSON.stringify(headers)}`);
          assert.equal(get.body.length, 0);
        }
        const id = await createImage(GLANCE, token, 'data-lost-new');
        const data = randomBytes(100_000);
        expectStatus(await upload(GLANCE, token, id, data), 204, 'PUT a new image');
        const back = await call('GET', `${GLANCE}/v2/images/${id}/file`, {
          token,
          headers: { range: 'bytes=0-1023' },
        });
        expectStatus(back, 206, 'GET the first KiB of the new image (Range)');
        assert.equal(back.headers['content-range'], `bytes 0-1023/${data.length}`);
        assert.equal(back.headers['content-length'], '1024');
      });
    },
  },

  'image-size-cap': {
    title:
      "image-size-cap: PUT file over 64 MiB 413 'The incoming image is too large' with a request id; 1 MiB 204",
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'image-size-cap', async () => {
        const id = await createImage(GLANCE, token, 'size-cap');
        const put = await upload(GLANCE, token, id, new Uint8Array(65 * 1_048_576));
        expectStatus(put, 413, 'PUT 65 MiB');
        assert.ok(put.body.includes('The incoming image is too large'), describeReply('size cap body', put));
        assert.ok(put.headers['x-openstack-request-id']?.startsWith('req-'), 'Glance request id on the 413');
        assert.equal((await showImage(token, id)).status, 'queued');
        expectStatus(await upload(GLANCE, token, id, randomBytes(1_048_576)), 204, 'PUT 1 MiB');
      });
    },
  },

  'store-small': {
    title:
      "store-small: PUT file larger than the store's 64 MiB 413 'Image storage media is full'; 1 MiB 204",
    run: async (t) => {
      const token = await adminToken();
      await withFault(t, 'store-small', async () => {
        const id = await createImage(GLANCE, token, 'store-small');
        const put = await upload(GLANCE, token, id, new Uint8Array(80 * 1_048_576));
        expectStatus(put, 413, 'PUT 80 MiB');
        assert.ok(put.body.includes('Image storage media is full'), describeReply('store full body', put));
        assert.equal((await showImage(token, id)).status, 'queued');
        expectStatus(await upload(GLANCE, token, id, randomBytes(1_048_576)), 204, 'PUT 1 MiB');
      });
    },
  },
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('lab faults on real Glance', () => {
  before(async () => {
    if (!ENABLED) return;
    assert.equal(process.getuid?.(), 0, 'the lab fault tests run lab.sh break/restore: run them as root');
    const status = await runLabCaptured(['status']);
    assert.equal(
      status.code,
      0,
      `the lab is not healthy; run 'glance-harness lab up' first\n${status.stdout}`,
    );
    admin = await readOpenrc(paths.openrcAdmin);
  });

  after(async () => {
    if (!ENABLED || created.size === 0) return;
    const token = await adminToken();
    for (const id of created) {
      const reply = await call('DELETE', `${GLANCE}/v2/images/${id}`, { token });
      // 404: a restore that re-created the database already took the record away.
      assert.ok(
        reply.status === 204 || reply.status === 404,
        describeReply(`DELETE /v2/images/${id}`, reply),
      );
    }
  });

  for (const fault of LAB_FAULTS) {
    const { title, run } = CASES[fault];
    test(title, { timeout: CASE_TIMEOUT_MS }, async (t) => {
      if (!ENABLED) {
        t.skip(SKIP_REASON);
        return;
      }
      await run(t);
    });
  }
});
