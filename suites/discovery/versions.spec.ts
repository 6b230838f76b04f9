// API version discovery (api-ref: image/v2 "Versions"); needs no token and no database.
import { randomUUID } from 'node:crypto';
import type { VersionEntry, VersionsDocument } from '../../src/glance/index.js';
import { expect, explainStatus as explain, id, test } from '../fixtures.js';

/** "v2.15" → [2, 15]. */
function parse(versionId: string): [number, number] {
  const m = /^v(\d+)\.(\d+)$/.exec(versionId);
  if (!m) throw new Error(`version id "${versionId}" is not of the form vN.M`);
  return [Number(m[1]), Number(m[2])];
}

function compare(a: VersionEntry, b: VersionEntry): number {
  const [am, an] = parse(a.id);
  const [bm, bn] = parse(b.id);
  return am !== bm ? am - bm : an - bn;
}

/** What the list implies about optional features (reported, not assumed). */
function impliedFeatures(doc: VersionsDocument): string[] {
  const ids = new Set(doc.versions.map((v) => v.id));
  const has = (v: string): boolean => ids.has(v);
  return [
    `multi-store (2.8): ${has('v2.8') ? 'advertised' : 'not advertised'}`,
    `image cache API (2.14/2.16): ${has('v2.14') || has('v2.16') ? 'advertised' : 'not advertised'}`,
    `image tasks API (2.12): ${has('v2.12') ? 'advertised' : 'not advertised'}`,
    `new location API, GET/POST /v2/images/{id}/locations (2.17): ${has('v2.17') ? 'advertised' : 'not advertised'}`,
    `image cache clean and prune (2.18): ${has('v2.18') ? 'advertised' : 'not advertised'}`,
  ];
}

test.describe('discovery: versions', { tag: ['@discovery', '@smoke', '@read-only'] }, () => {
  test('GET / without a token returns 300 and a valid versions document', {
    annotation: id('discovery.versions.root-300'),
  }, async ({ glance }) => {
    const res = await glance.versions.listRoot();
    expect(res).toHaveStatus(300);
    expect(res).toMatchSchema('harness/versions');
  });

  test('GET /versions returns 200 and the same document as GET /', {
    annotation: id('discovery.versions.list-200'),
  }, async ({ glance }) => {
    const root = await glance.versions.listRoot();
    const res = await glance.versions.list();
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('harness/versions');
    expect(res.body, 'GET /versions and GET / disagree').toEqual(root.body);
  });

  test('GET / lists exactly one CURRENT version and unique version ids', {
    annotation: id('discovery.versions.one-current'),
  }, async ({ glance }) => {
    const res = await glance.versions.listRoot();
    expect(res).toMatchSchema('harness/versions');
    const doc = res.body as VersionsDocument;
    const current = doc.versions.filter((v) => v.status === 'CURRENT').map((v) => v.id);
    expect(current, 'versions marked CURRENT').toHaveLength(1);
    const ids = doc.versions.map((v) => v.id);
    expect(new Set(ids).size, `duplicate version ids in ${ids.join(', ')}`).toBe(ids.length);
  });

  test(
    'GET / marks the highest listed version CURRENT',
    { annotation: id('discovery.versions.current-highest') },
    async ({ glance }, testInfo) => {
      const res = await glance.versions.listRoot();
      expect(res).toMatchSchema('harness/versions');
      const doc = res.body as VersionsDocument;
      const highest = [...doc.versions].sort(compare).at(-1);
      const current = doc.versions.find((v) => v.status === 'CURRENT');
      expect(current?.id, `highest listed is ${highest?.id}`).toBe(highest?.id);
      for (const line of impliedFeatures(doc))
        testInfo.annotations.push({ type: 'feature', description: line });
    },
  );

  test('GET / self links are absolute and point at the endpoint serving them', {
    annotation: id('discovery.versions.self-links'),
  }, async ({ glance }) => {
    const res = await glance.versions.listRoot();
    expect(res).toMatchSchema('harness/versions');
    const endpoint = new URL(glance.endpoint);
    for (const v of (res.body as VersionsDocument).versions) {
      const self = v.links.find((l) => l.rel === 'self');
      expect(self, `${v.id} has no self link`).toBeDefined();
      const href = new URL(self!.href);
      expect(
        href.host,
        `${v.id} self link ${self!.href} names another host than the endpoint ${glance.endpoint}: ` +
          'clients following it bypass the address they were given (proxy Host header not forwarded?)',
      ).toBe(endpoint.host);
      expect(href.pathname, `${v.id} self link path`).toMatch(/\/v\d+\/?$/);
    }
  });
});

test.describe('discovery: errors and request ids', { tag: ['@discovery', '@read-only', '@negative'] }, () => {
  test('GET /v2/images/{id} for an unknown id with Accept JSON returns 404 and a JSON error body', {
    annotation: id('discovery.errors.json-404'),
  }, async ({ glance }) => {
    const res = await glance.images.show(randomUUID());
    expect(res).toHaveStatus(404);
    expect(res.headers['content-type'], explain(res, 'a JSON content type')).toMatch(/application\/json/);
    expect(res).toMatchSchema('harness/glance-error');
    expect((res.body as unknown as { code: string }).code).toBe('404 Not Found');
  });

  test('GET /v2/images/{id} answers with an X-Openstack-Request-Id of the form req-<uuid>', {
    annotation: id('discovery.errors.request-id'),
  }, async ({ glance }) => {
    const res = await glance.images.show(randomUUID());
    expect(res).toHaveStatus([404]);
    expect(res.requestId, explain(res, 'an X-Openstack-Request-Id header')).toMatch(
      /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });
});

test.describe('discovery: authentication', {
  tag: ['@discovery', '@read-only', '@negative', '@auth'],
}, () => {
  test('GET /v2/images without a token returns 401 and names Keystone in WWW-Authenticate', {
    annotation: id('discovery.auth.token-required'),
  }, async ({ glance, ctx }) => {
    test.skip(ctx.target.authType === 'none', 'auth type none: the target is configured without Keystone');
    const res = await glance.images.list({ limit: 1 }, { noAuth: true });
    expect(res).toHaveStatus(401);
    expect(res.headers['www-authenticate'], explain(res, 'a WWW-Authenticate header')).toMatch(
      /^Keystone uri=/,
    );
  });

  test('GET /v2/images with a forged token returns 401', {
    annotation: id('discovery.auth.bad-token'),
  }, async ({ glance, ctx }) => {
    test.skip(ctx.target.authType === 'none', 'auth type none: the target is configured without Keystone');
    const res = await glance.images.list({ limit: 1 }, { token: `gAAAAA${randomUUID().replace(/-/g, '')}` });
    expect(res).toHaveStatus(401);
  });
});

test.describe('discovery: catalog', { tag: ['@discovery', '@read-only', '@catalog'] }, () => {
  test('GET / on every image endpoint of the catalog returns the same versions document', {
    annotation: id('discovery.catalog.interfaces-agree'),
  }, async ({ target, glance }) => {
    test.skip(
      !target.catalogEndpoints,
      'the image endpoint is set explicitly (--endpoint or OS_ENDPOINT): no catalog to compare',
    );
    const reference = await glance.versions.listRoot();
    expect(reference).toHaveStatus(300);
    expect(reference).toMatchSchema('harness/versions');
    // What a server sent is validated before use: a malformed document is a finding, not a crash.
    const ids = (doc: unknown): string[] => {
      const list = (doc as VersionsDocument | undefined)?.versions;
      return Array.isArray(list) ? list.map((v) => String(v?.id)) : [];
    };
    for (const ep of target.catalogEndpoints ?? []) {
      const res = await target.http.request({
        method: 'GET',
        url: ep.url,
        headers: { accept: 'application/json' },
      });
      let body: unknown;
      try {
        body = JSON.parse(res.text || '{}');
      } catch {
        body = undefined;
      }
      expect(res.status, `${ep.interface} endpoint ${ep.url} answered ${res.status} to GET /`).toBe(300);
      expect(ids(body), `${ep.interface} endpoint ${ep.url} lists other versions`).toEqual(
        ids(reference.body),
      );
    }
  });
});
