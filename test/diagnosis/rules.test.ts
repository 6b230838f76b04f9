import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  diagnoseExchange,
  diagnoseExchanges,
  type Facts,
  RULES,
  ruleById,
} from '../../src/diagnosis/index.js';
import { evidenceOf, originOf } from '../../src/diagnosis/origin.js';
import type { Exchange } from '../../src/http/evidence.js';
import { apacheProxyErrorPage, nginxPage } from '../../src/reference/proxy.js';
import {
  JSON_401,
  JSON_500,
  NGINX_502,
  PAGE_401,
  PAGE_413_STORE_FULL,
  PAGE_415_UPLOAD,
  PAGE_500,
  PAGE_503_KEYSTONE,
  PAGE_503_UNWRITABLE,
} from '../reference/captured.js';
import { exchange, fromTranscript } from './evidence.js';

const IMG = '62c0b70d-d901-4eaf-aeb0-3c16a8fdda90';
const RID = { 'X-Openstack-Request-Id': 'req-a28aa3f3-f98a-4e2f-8e1d-9631228b57df' };
const HTML = { 'Content-Type': 'text/html; charset=UTF-8' };
const JSONCT = { 'Content-Type': 'application/json' };
const NGINX = { Server: 'nginx/1.22.1', 'Content-Type': 'text/html' };
const KEYSTONE = 'http://127.0.0.1:5000/v3';
const TOKEN_OK: Facts = { tokenIssued: true, keystoneUrl: KEYSTONE };
const UPLOAD = `http://127.0.0.1:9292/v2/images/${IMG}/file`;
/** Database facts of a synced Glance schema. */
const SYNCED = { reachable: true, tables: ['images', 'alembic_version'], findings: [] };

/** A PUT of image data to UPLOAD answered with `status`, after `totalMs` (15 ms unless given). */
function upload(status: number, headers: Record<string, string>, body: string, totalMs?: number): Exchange {
  return exchange({
    method: 'PUT',
    url: UPLOAD,
    status,
    headers,
    body,
    ...(totalMs === undefined ? {} : { totalMs }),
  });
}
// Zed 25.1 on the lab, [DEFAULT] image_size_cap exceeded: the webob page (Accept */*) and the JSON error.
const PAGE_413_SIZE_CAP =
  '<html>\n <head>\n  <title>413 Request Entity Too Large</title>\n </head>\n <body>\n  <h1>413 Request Entity Too Large</h1>\n  The incoming image is too large: The provided image is too large.<br /><br />\n\n\n\n </body>\n</html>';
const JSON_413_SIZE_CAP =
  '{"message": "The incoming image is too large: The provided image is too large.<br /><br />\\n\\n\\n", "code": "413 Request Entity Too Large", "title": "Request Entity Too Large"}';
// Same lab, store filesystem full: its "code" says "Too Large" as well.
const JSON_413_STORE_FULL =
  '{"message": "Image storage media is full: There is not enough disk space on the image storage media. \\n\\n\\n", "code": "413 Request Entity Too Large", "title": "Request Entity Too Large"}';

function causeOf(x: Parameters<typeof diagnoseExchange>[0], facts: Facts = {}): string | undefined {
  return diagnoseExchange(x, [], facts)?.id;
}

describe('rule index', () => {
  it('lists every cause the troubleshooting guide promises, with unique ids, a fix and a way to confirm', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of [
      'db.not-synced',
      'db.unreachable',
      'db.hung',
      'keystone.service-credentials',
      'keystone.unreachable',
      'token.expired-mid-upload',
      'proxy.upstream-down',
      'proxy.upstream-invalid',
      'swift.unavailable',
      'store.unwritable',
      'store.missing',
      'store.full',
      'proxy.body-limit',
      'store.data-lost',
      'image.format-mismatch',
      'store.disabled',
      'endpoint.mismatch',
      'tls.certificate-untrusted',
      'tls.hostname-mismatch',
      'tls.certificate-expired',
      'tls.wrong-scheme',
      'auth.disabled',
      'image.size-cap',
      'glance.down',
      'db.tables-missing',
    ])
      assert.ok(ruleById(id), id);
    for (const r of RULES) {
      assert.match(r.id, /^[a-z]+\.[a-z0-9-]+$/);
      assert.ok(r.fix.length > 20 && r.howToConfirm.length > 10 && r.symptom.length > 10, r.id);
    }
  });
});

describe('origin', () => {
  it('GET /v2/images 500 with a request id (capture 4b) is Glance-made', () => {
    assert.equal(originOf(fromTranscript('4b-nosync-GET-images.txt')), 'glance');
  });
  it('GET / through nginx with glance-api down (nginx page, no request id) is proxy-made', () => {
    assert.equal(
      originOf(exchange({ url: 'http://127.0.0.1:8080/', status: 502, headers: NGINX, body: NGINX_502 })),
      'proxy',
    );
  });
  it("PUT file 413 through nginx keeping Glance's request id is Glance-made despite Server: nginx", () => {
    const x = upload(413, { ...NGINX, ...RID }, PAGE_413_STORE_FULL);
    assert.equal(originOf(x), 'glance');
  });
  it('POST /v3/auth/tokens with no reply has no origin', () => {
    assert.equal(
      originOf(
        exchange({
          method: 'POST',
          url: `${KEYSTONE}/auth/tokens`,
          status: null,
          error: { code: 'UND_ERR_SOCKET' },
        }),
      ),
      'none',
    );
  });
});

describe('db.not-synced', () => {
  it('GET /v2/images 500 generic HTML page (capture 4b) names db.not-synced', () => {
    assert.equal(causeOf(fromTranscript('4b-nosync-GET-images.txt')), 'db.not-synced');
  });
  it('POST /v2/images 500 JSON error (capture 4d) names db.not-synced', () => {
    assert.equal(causeOf(fromTranscript('4d-nosync-POST-images-accept-json.txt')), 'db.not-synced');
  });
  it('GET /v2/images 500 with DB facts listing no tables is confirmed', () => {
    const c = diagnoseExchange(fromTranscript('4b-nosync-GET-images.txt'), [], {
      db: { reachable: true, tables: [], findings: ['db.not-synced'] },
    });
    assert.equal(c?.id, 'db.not-synced');
    assert.equal(c?.confirmed, true);
  });
  it('GET /v2/images 500 with DB facts showing a synced schema is not db.not-synced', () => {
    const x = fromTranscript('4b-nosync-GET-images.txt');
    assert.notEqual(
      causeOf(x, {
        db: {
          reachable: true,
          tables: ['images', 'alembic_version'],
          alembicHead: 'wallaby_contract01',
          findings: [],
        },
      }),
      'db.not-synced',
    );
  });
  it('GET /healthcheck 200 (capture 4e) and GET / 300 (capture 4a) name nothing', () => {
    assert.equal(causeOf(fromTranscript('4e-nosync-GET-healthcheck.txt')), undefined);
    assert.equal(causeOf(fromTranscript('4a-nosync-GET-root.txt')), undefined);
  });
});

describe('db.unreachable', () => {
  it('POST /v3/auth/tokens closed without a reply (lab db-down) names db.unreachable', () => {
    const x = exchange({
      method: 'POST',
      url: `${KEYSTONE}/auth/tokens`,
      status: null,
      error: { code: 'UND_ERR_SOCKET' },
      token: false,
    });
    assert.equal(causeOf(x, { keystoneUrl: KEYSTONE }), 'db.unreachable');
  });
  it('GET /v2/images 500 fast with DB facts unreachable names db.unreachable, confirmed', () => {
    const c = diagnoseExchange(fromTranscript('4b-nosync-GET-images.txt'), [], {
      db: { reachable: false, error: '(2003, "Can\'t connect to MySQL server")', tables: [], findings: [] },
    });
    assert.equal(c?.id, 'db.unreachable');
    assert.equal(c?.confirmed, true);
  });
});

describe('db.hung', () => {
  it('GET /v2/images with no answer before the timeout while GET / works names db.hung', () => {
    const x = exchange({
      url: 'http://127.0.0.1:9292/v2/images?limit=1',
      status: null,
      error: { code: 'TOTAL_TIMEOUT' },
      totalMs: 30_000,
    });
    assert.equal(causeOf(x, { rootOk: true }), 'db.hung');
  });
  it('GET /v2/images 504 page from nginx names db.hung', () => {
    const x = exchange({
      url: 'http://127.0.0.1:8080/v2/images',
      status: 504,
      headers: NGINX,
      body: nginxPage('504 Gateway Time-out'),
      totalMs: 60_000,
    });
    assert.equal(causeOf(x), 'db.hung');
  });
  it('GET / timing out is not db.hung (Glance itself is stuck)', () => {
    assert.equal(
      causeOf(exchange({ url: 'http://127.0.0.1:9292/', status: null, error: { code: 'TOTAL_TIMEOUT' } })),
      undefined,
    );
  });
});

describe('keystone', () => {
  it('GET /v2/images 401 within 0.5 s for a token Keystone just issued names keystone.service-credentials', () => {
    const x = exchange({
      status: 401,
      headers: { ...HTML, 'WWW-Authenticate': 'Keystone uri="http://127.0.0.1:5000"' },
      body: PAGE_401,
      totalMs: 520,
    });
    assert.equal(causeOf(x, TOKEN_OK), 'keystone.service-credentials');
  });
  it('GET /v2/images 401 without a fresh token from Keystone names nothing (the token may be bad)', () => {
    const x = exchange({
      status: 401,
      headers: { ...JSONCT, 'WWW-Authenticate': 'Keystone uri="http://127.0.0.1:5000"' },
      body: JSON_401,
    });
    assert.equal(causeOf(x), undefined);
  });
  it('GET /v2/images 401 after 3.5 s for a fresh token names keystone.unreachable', () => {
    const x = exchange({
      status: 401,
      headers: { ...HTML, 'WWW-Authenticate': 'Keystone uri="http://127.0.0.1:5000"' },
      body: PAGE_401,
      totalMs: 3_520,
    });
    assert.equal(causeOf(x, TOKEN_OK), 'keystone.unreachable');
  });
  it('GET /v2/images 503 "Keystone service is temporarily unavailable" names keystone.unreachable', () => {
    const x = exchange({ status: 503, headers: { ...HTML, ...RID }, body: PAGE_503_KEYSTONE });
    assert.equal(causeOf(x, TOKEN_OK), 'keystone.unreachable');
  });
  it('POST /v3/auth/tokens refused names keystone.unreachable', () => {
    const x = exchange({
      method: 'POST',
      url: `${KEYSTONE}/auth/tokens`,
      status: null,
      error: { code: 'ECONNREFUSED' },
    });
    assert.equal(causeOf(x, { keystoneUrl: KEYSTONE }), 'keystone.unreachable');
  });
  it('POST /v3/auth/tokens 401 from Keystone names keystone.user-credentials', () => {
    const x = exchange({
      method: 'POST',
      url: `${KEYSTONE}/auth/tokens`,
      status: 401,
      headers: JSONCT,
      body: '{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}',
    });
    assert.equal(causeOf(x, { keystoneUrl: KEYSTONE }), 'keystone.user-credentials');
  });
  it('PUT file 401 after the token expired mid-upload names token.expired-mid-upload', () => {
    const x = exchange({
      method: 'PUT',
      url: UPLOAD,
      status: 401,
      headers: { 'WWW-Authenticate': 'Keystone uri="http://127.0.0.1:5000"' },
      body: PAGE_401,
      startedAt: '2026-11-22T02:00:00.000Z',
      totalMs: 600_000,
      bytesSent: 5e9,
    });
    assert.equal(
      causeOf(x, { ...TOKEN_OK, tokenExpiresAt: '2026-11-22T02:05:00.000Z' }),
      'token.expired-mid-upload',
    );
  });
});

describe('auth.disabled', () => {
  const served = (token: boolean, url = 'http://127.0.0.1:9292/v2/images?limit=1') =>
    exchange({ url, status: 200, headers: { ...JSONCT, ...RID }, body: '{"images": []}', token });
  it('GET /v2/images 200 from Glance without a token names auth.disabled; the lint finding config.noauth confirms it', () => {
    assert.equal(causeOf(served(false), TOKEN_OK), 'auth.disabled');
    const confirmed = diagnoseExchange(served(false), [], { ...TOKEN_OK, configFindings: ['config.noauth'] });
    assert.equal(confirmed?.id, 'auth.disabled');
    assert.equal(confirmed?.confirmed, true);
  });
  it('a 200 with a token, or without one on GET / (answered before any auth), names nothing', () => {
    assert.equal(causeOf(served(true), TOKEN_OK), undefined);
    assert.equal(causeOf(served(false, 'http://127.0.0.1:9292/'), TOKEN_OK), undefined);
  });
});

describe('proxy', () => {
  it('GET / 502 nginx page, no request id names proxy.upstream-down', () => {
    assert.equal(
      causeOf(exchange({ url: 'http://127.0.0.1:8080/', status: 502, headers: NGINX, body: NGINX_502 })),
      'proxy.upstream-down',
    );
  });
  it('PUT file 502 Apache "invalid response from an upstream server" page names proxy.upstream-invalid', () => {
    const x = exchange({
      method: 'PUT',
      url: UPLOAD.replace(':9292', ':8080'),
      status: 502,
      headers: { Server: 'Apache/2.4.52 (Ubuntu)', 'Content-Type': 'text/html; charset=iso-8859-1' },
      body: apacheProxyErrorPage('127.0.0.1', '8080'),
      bytesSent: 2_097_152,
      totalMs: 31_000,
    });
    assert.equal(causeOf(x), 'proxy.upstream-invalid');
  });
  it('PUT file 502 nginx page after the body was sent names proxy.upstream-invalid', () => {
    const x = exchange({
      method: 'PUT',
      url: UPLOAD.replace(':9292', ':8080'),
      status: 502,
      headers: NGINX,
      body: NGINX_502,
      bytesSent: 50_000_000,
    });
    assert.equal(causeOf(x), 'proxy.upstream-invalid');
  });
  it('PUT file 413 nginx page without a request id names proxy.body-limit', () => {
    const x = exchange({
      method: 'PUT',
      url: UPLOAD.replace(':9292', ':8080'),
      status: 413,
      headers: NGINX,
      body: nginxPage('413 Request Entity Too Large'),
    });
    assert.equal(causeOf(x), 'proxy.body-limit');
  });
});

describe('store', () => {
  it('PUT file 413 "Image storage media is full" with a request id names store.full', () => {
    const x = upload(413, { ...HTML, ...RID }, PAGE_413_STORE_FULL);
    assert.equal(causeOf(x), 'store.full');
  });
  it('PUT file 503 "Insufficient permissions" names store.unwritable', () => {
    const x = upload(503, { ...HTML, ...RID }, PAGE_503_UNWRITABLE);
    assert.equal(causeOf(x), 'store.unwritable');
  });
  it('PUT file 500 at once after the image was created (captures 6-10, 8d store removed) names store.missing', () => {
    const created = fromTranscript('6-10-POST-image.txt');
    const x = fromTranscript('8d-store-removed-direct-PUT.txt', { url: UPLOAD, totalMs: 40 });
    assert.equal(diagnoseExchange(x, [created])?.id, 'store.missing');
    assert.equal(diagnoseExchanges([created, x])?.id, 'store.missing');
    const confirmed = diagnoseExchange(x, [created], { configFindings: ['store.dir-missing'] });
    assert.equal(confirmed?.confirmed, true);
  });
  it('PUT file 500 at once with nothing showing the database works names db.not-synced, not store.missing', () => {
    // Glance reads the image row before it opens the store: same generic 500 as capture 4c.
    const x = fromTranscript('8d-store-removed-direct-PUT.txt', { url: UPLOAD, totalMs: 40 });
    assert.equal(causeOf(x), 'db.not-synced');
    assert.equal(diagnoseExchanges([fromTranscript('4c-nosync-POST-images.txt'), x])?.id, 'db.not-synced');
  });
  it('PUT file 500 at once names store.missing when DB facts show a synced schema or the lint finds no store dir', () => {
    const x = upload(500, { ...JSONCT, ...RID }, JSON_500, 40);
    assert.equal(causeOf(x, { db: SYNCED }), 'store.missing');
    const linted = diagnoseExchange(x, [], { configFindings: ['store.dir-missing'] });
    assert.equal(linted?.id, 'store.missing');
    assert.equal(linted?.confirmed, true);
  });
  it('PUT file 500 retrying an upload Glance refused with 415 is not store.missing (33.0.0 keeps the refused file)', () => {
    const refused = upload(415, { ...JSONCT, ...RID }, '{}');
    const retry = upload(500, { ...JSONCT, ...RID }, JSON_500, 40);
    assert.equal(diagnoseExchange(retry, [refused], { db: SYNCED })?.id, undefined);
    assert.equal(
      diagnoseExchange(retry, [], { db: SYNCED })?.id,
      'store.missing',
      'without the refusal it still is',
    );
  });

  it('POST import 500 naming a NOT NULL constraint met a table that exists: not db.not-synced', () => {
    const x = exchange({
      method: 'POST',
      url: `http://127.0.0.1:9292/v2/images/${IMG}/import`,
      status: 500,
      headers: { ...JSONCT, ...RID },
      body: '{"message": "(sqlite3.IntegrityError) NOT NULL constraint failed: tasks.owner", "code": "500 Internal Server Error", "title": "Internal Server Error"}',
      totalMs: 30,
    });
    assert.notEqual(causeOf(x), 'db.not-synced');
  });
  it('GET /v2/images/{id} 500 after the database answered in the same check is not db.not-synced', () => {
    const x = fromTranscript('4b-nosync-GET-images.txt', { url: `http://127.0.0.1:9292/v2/images/${IMG}` });
    assert.equal(diagnoseExchange(x, [fromTranscript('6-10-POST-image.txt')])?.id, undefined);
  });
  it('GET /v2/images 500 while other database calls answer names db.tables-missing, confirmed by the DB checks', () => {
    const x = fromTranscript('4b-nosync-GET-images.txt');
    const answered = ['GET /v2/metadefs/namespaces?limit=1 200'];
    assert.equal(causeOf(x, { dbCallsAnswered: answered }), 'db.tables-missing');
    const half = {
      reachable: true,
      tables: ['images', 'alembic_version'],
      alembicHead: 'zed_contract01',
      findings: ['db.tables-missing'],
    };
    const withDb = diagnoseExchange(x, [], { db: half });
    assert.equal(withDb?.id, 'db.tables-missing', 'the DB checks alone name it, never db.not-synced');
    assert.equal(withDb?.confirmed, true);
    const synced = { ...half, findings: [] };
    assert.equal(
      causeOf(x, { dbCallsAnswered: answered, db: synced }),
      undefined,
      'a complete schema contradicts both',
    );
  });
  it('GET /v2/images 500 after 31 s while other database calls answer is not db.tables-missing (a missing table fails at once)', () => {
    const x = fromTranscript('4b-nosync-GET-images.txt', { totalMs: 31_000 });
    assert.equal(causeOf(x, { dbCallsAnswered: ['GET /v2/tasks 200'] }), undefined);
  });
  it('the DB finding db.tables-missing contradicts db.not-synced; an unreachable database leaves db.tables-missing unconfirmed', () => {
    const x = fromTranscript('4b-nosync-GET-images.txt');
    const half = {
      reachable: true,
      tables: ['images'],
      alembicHead: 'zed_contract01',
      findings: ['db.tables-missing'],
    };
    assert.equal(ruleById('db.not-synced')!.confirm!(evidenceOf(x, [], { db: half })), false);
    const down = { reachable: false, tables: [], findings: [] };
    assert.equal(ruleById('db.tables-missing')!.confirm!(evidenceOf(x, [], { db: down })), undefined);
  });
  it('PUT file 500 after 31 s names swift.unavailable', () => {
    const x = upload(500, { ...HTML, ...RID }, PAGE_500, 31_000);
    assert.equal(causeOf(x), 'swift.unavailable');
  });
  it('GET file 500 empty text/plain with a swift store names swift.unavailable', () => {
    const x = exchange({
      url: UPLOAD,
      status: 500,
      headers: { 'Content-Type': 'text/plain', ...RID },
      body: '',
      totalMs: 31_000,
    });
    assert.equal(causeOf(x, { storeKind: 'swift' }), 'swift.unavailable');
  });
  it('GET file 204 with an empty body names store.data-lost', () => {
    const x = exchange({ url: UPLOAD, status: 204, headers: RID });
    assert.equal(causeOf(x), 'store.data-lost');
  });
  it('PUT file 415 (capture 8e wrong content type) names image.format-mismatch', () => {
    const x = upload(415, { ...HTML, ...RID }, PAGE_415_UPLOAD);
    assert.equal(causeOf(x), 'image.format-mismatch');
  });
  it('PUT file 410 names store.disabled', () => {
    const body =
      '{"message": "Error in store configuration. Adding images to store is disabled.<br /><br />\\n\\n\\n", "code": "410 Gone", "title": "Gone"}';
    assert.equal(
      causeOf(exchange({ method: 'PUT', url: UPLOAD, status: 410, headers: { ...JSONCT, ...RID }, body })),
      'store.disabled',
    );
  });
  it('PUT file 409 on an active image (capture 6-30) names nothing', () => {
    assert.equal(causeOf(fromTranscript('6-30-PUT-file-on-active-409.txt')), undefined);
  });
});

describe('image.size-cap', () => {
  const upload = (status: number, headers: Record<string, string>, body: string, url = UPLOAD) =>
    exchange({ method: 'PUT', url, status, headers, body, bytesSent: 3 * 2 ** 20 });

  it('PUT file 413 "The incoming image is too large" page (Accept */*) with a request id names image.size-cap, not store.full', () => {
    const x = upload(413, { ...HTML, ...RID }, PAGE_413_SIZE_CAP);
    assert.equal(originOf(x), 'glance');
    assert.equal(causeOf(x), 'image.size-cap');
    assert.equal(diagnoseExchanges([fromTranscript('6-10-POST-image.txt'), x])?.id, 'image.size-cap');
  });
  it('PUT file 413 JSON "The incoming image is too large" names image.size-cap; the JSON "Image storage media is full", whose code also says Too Large, names store.full', () => {
    assert.equal(causeOf(upload(413, { ...JSONCT, ...RID }, JSON_413_SIZE_CAP)), 'image.size-cap');
    assert.equal(causeOf(upload(413, { ...JSONCT, ...RID }, JSON_413_STORE_FULL)), 'store.full');
    assert.equal(causeOf(upload(413, { ...HTML, ...RID }, PAGE_413_STORE_FULL)), 'store.full');
  });
  it('PUT file 413 size-cap page or JSON without a request id is Glance-made by its shape and names image.size-cap', () => {
    const page = upload(413, HTML, PAGE_413_SIZE_CAP);
    const json = upload(413, JSONCT, JSON_413_SIZE_CAP);
    assert.equal(originOf(page), 'glance');
    assert.equal(originOf(json), 'glance');
    assert.equal(causeOf(page), 'image.size-cap');
    assert.equal(causeOf(json), 'image.size-cap');
  });
  it("PUT file 413 through nginx keeping Glance's request id names image.size-cap; nginx's own 413 page without one names proxy.body-limit", () => {
    const viaProxy = UPLOAD.replace(':9292', ':8080');
    const kept = upload(413, { ...NGINX, ...RID }, PAGE_413_SIZE_CAP, viaProxy);
    assert.equal(originOf(kept), 'glance');
    assert.equal(causeOf(kept), 'image.size-cap');
    assert.match(diagnoseExchange(kept)?.hop ?? '', /^glance-api behind 127\.0\.0\.1:8080 \(req-/);
    const own = upload(413, NGINX, nginxPage('413 Request Entity Too Large'), viaProxy);
    assert.equal(originOf(own), 'proxy');
    assert.equal(causeOf(own), 'proxy.body-limit');
  });
  it('PUT stage 413 "The incoming image is too large" (glance-direct import) names image.size-cap', () => {
    const x = upload(413, { ...JSONCT, ...RID }, JSON_413_SIZE_CAP, UPLOAD.replace(/file$/, 'stage'));
    assert.equal(causeOf(x), 'image.size-cap');
  });
  it('a 413 "image is too large" on a path that uploads nothing names neither image.size-cap nor store.full', () => {
    for (const [method, url] of [
      ['POST', `http://127.0.0.1:9292/v2/images/${IMG}/import`],
      ['GET', UPLOAD],
      ['PATCH', `http://127.0.0.1:9292/v2/images/${IMG}`],
    ] as const) {
      const x = exchange({
        method,
        url,
        status: 413,
        headers: { ...JSONCT, ...RID },
        body: JSON_413_SIZE_CAP,
      });
      assert.equal(causeOf(x), undefined, `${method} ${url}`);
    }
  });
  it('PUT tags 413 "Maximum number of tags exceeded" is a quota, not store.full', () => {
    const x = exchange({
      method: 'PUT',
      url: `http://127.0.0.1:9292/v2/images/${IMG}/tags/t129`,
      status: 413,
      headers: { ...JSONCT, ...RID },
      body: '{"message": "Maximum number of tags exceeded: 129 of 128", "code": "413 Request Entity Too Large", "title": "Request Entity Too Large"}',
    });
    assert.equal(causeOf(x), undefined);
  });
  it('PUT file 413 size-cap body names image.size-cap unconfirmed even when the lint finds the store full; store.full is confirmed by it', () => {
    const facts: Facts = { configFindings: ['store.dir-full'] };
    const cap = diagnoseExchange(upload(413, { ...JSONCT, ...RID }, JSON_413_SIZE_CAP), [], facts);
    assert.equal(cap?.id, 'image.size-cap');
    assert.equal(cap?.confirmed, undefined);
    const full = diagnoseExchange(upload(413, { ...JSONCT, ...RID }, JSON_413_STORE_FULL), [], facts);
    assert.equal(full?.id, 'store.full');
    assert.equal(full?.confirmed, true);
  });
});

describe('endpoint and tls', () => {
  it('GET / refused on the internal endpoint while public answers names endpoint.mismatch', () => {
    const x = exchange({ url: 'http://127.0.0.1:9393/', status: null, error: { code: 'ECONNREFUSED' } });
    const catalog = [
      { interface: 'public', url: 'http://127.0.0.1:9292', reachable: true, sameGlance: true },
      { interface: 'internal', url: 'http://127.0.0.1:9393', reachable: false, sameGlance: false },
    ];
    assert.equal(causeOf(x, { catalog }), 'endpoint.mismatch');
  });
  it('GET / 502 nginx page on every catalog endpoint (glance-api down behind the proxy) names proxy.upstream-down', () => {
    const x = exchange({ url: 'http://127.0.0.1:8080/', status: 502, headers: NGINX, body: NGINX_502 });
    const catalog = ['public', 'admin', 'internal'].map((i) => ({
      interface: i,
      url: 'http://127.0.0.1:8080',
      reachable: false,
      sameGlance: true,
    }));
    assert.equal(causeOf(x, { catalog }), 'proxy.upstream-down');
    assert.equal(diagnoseExchange(x, [], { catalog, glanceRefused: true })?.confirmed, true);
  });
  it('GET / refused on every catalog endpoint while Keystone issued a token names glance.down; bind_port decides', () => {
    const x = exchange({ url: 'http://127.0.0.1:9292/', status: null, error: { code: 'ECONNREFUSED' } });
    const catalog = ['public', 'internal'].map((i) => ({
      interface: i,
      url: 'http://127.0.0.1:9292',
      reachable: false,
      sameGlance: true,
    }));
    assert.equal(causeOf(x, { catalog }), undefined, 'no token issued: Keystone is not known to work');
    assert.equal(causeOf(x, { catalog, tokenIssued: true }), 'glance.down');
    assert.equal(diagnoseExchange(x, [], { catalog, tokenIssued: true })?.confirmed, undefined);
    assert.equal(
      diagnoseExchange(x, [], { catalog, tokenIssued: true, glanceRefused: true })?.confirmed,
      true,
    );
    // glance-api answers on its own bind_port: the catalog points at a dead port.
    assert.equal(causeOf(x, { catalog, tokenIssued: true, glanceRefused: false }), 'endpoint.mismatch');
  });
  it("GET / refused on an explicit endpoint names glance.down only when glance-api's own port refuses too", () => {
    const x = exchange({ url: 'http://127.0.0.1:9292/', status: null, error: { code: 'ECONNREFUSED' } });
    assert.equal(causeOf(x, { tokenIssued: true }), undefined);
    assert.equal(causeOf(x, { glanceRefused: true }), 'glance.down');
    assert.equal(causeOf(x, { glanceRefused: false }), 'endpoint.mismatch');
  });
  it("POST /v3/auth/tokens refused names keystone.unreachable whatever glance-api's own port says", () => {
    const x = exchange({
      method: 'POST',
      url: `${KEYSTONE}/auth/tokens`,
      status: null,
      error: { code: 'ECONNREFUSED' },
    });
    for (const glanceRefused of [true, false])
      assert.equal(causeOf(x, { keystoneUrl: KEYSTONE, glanceRefused }), 'keystone.unreachable');
  });
  it('GET / refused with no catalog facts names nothing (exit 3 territory)', () => {
    assert.equal(
      causeOf(exchange({ url: 'http://127.0.0.1:9/', status: null, error: { code: 'ECONNREFUSED' } })),
      undefined,
    );
  });
  for (const [code, id] of [
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls.certificate-untrusted'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls.certificate-untrusted'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls.hostname-mismatch'],
    ['CERT_HAS_EXPIRED', 'tls.certificate-expired'],
    ['EPROTO', 'tls.wrong-scheme'],
  ] as const) {
    it(`GET / failing with ${code} names ${id}`, () => {
      assert.equal(
        causeOf(exchange({ url: 'https://glance.example:9292/', status: null, error: { code } })),
        id,
      );
    });
  }
  it('GET / 400 "plain HTTP request was sent to HTTPS port" names tls.wrong-scheme', () => {
    const body = nginxPage('400 The plain HTTP request was sent to HTTPS port');
    assert.equal(
      causeOf(exchange({ url: 'http://127.0.0.1:443/', status: 400, headers: NGINX, body })),
      'tls.wrong-scheme',
    );
  });
});
