// Header names are case-insensitive (RFC 9110): Glance 25.1 (Zed) sends Openstack-Image-Import-Methods
// and X-Openstack-Request-Id, 33.0.0 under uWSGI OpenStack-image-import-methods and
// x-openstack-request-id. The client hands every response header over lower-cased, so each lookup
// in the harness (all written lower-case) reads both spellings.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpClient } from '../../src/http/client.js';

/** Raw header lines as each release spells them, written byte for byte by the test server. */
const SPELLINGS: Record<string, Array<[string, string]>> = {
  zed: [
    ['Content-Type', 'application/json'],
    ['Openstack-Image-Import-Methods', 'glance-direct,web-download'],
    ['X-Openstack-Request-Id', 'req-zed'],
  ],
  newest: [
    ['Content-Type', 'Application/JSON; charset=UTF-8'],
    ['OpenStack-image-import-methods', 'glance-direct,web-download'],
    ['x-openstack-request-id', 'req-newest'],
  ],
};

describe('response header names', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      const lines = SPELLINGS[req.url?.slice(1) ?? ''] ?? [];
      res.writeHead(201, lines.flat());
      res.end('{"id":"x"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  for (const release of Object.keys(SPELLINGS)) {
    it(`reads ${release}'s spelling through lower-case names`, async () => {
      const res = await new HttpClient().request({ method: 'POST', url: `${base}/${release}`, body: '{}' });
      const sent = SPELLINGS[release]!.map(([k]) => k);
      assert.ok(
        sent.some((k) => k !== k.toLowerCase()),
        'the server really sent mixed-case names',
      );
      for (const k of Object.keys(res.headers)) assert.equal(k, k.toLowerCase(), `header name ${k}`);
      assert.equal(res.headers['openstack-image-import-methods'], 'glance-direct,web-download');
      assert.equal(res.requestId, `req-${release}`);
      assert.match(res.headers['content-type'] ?? '', /json/i);
    });
  }
});
