import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { HttpClient, TransportError } from '../../src/http/client.js';
import { classifyBody } from '../../src/http/evidence.js';

function mock(): { agent: MockAgent; http: HttpClient } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const http = new HttpClient({ dispatcher: agent, secrets: () => ['s3cr3t-password'] });
  return { agent, http };
}

describe('HttpClient', () => {
  it('returns 4xx/5xx responses instead of throwing, and records them', async () => {
    const { agent, http } = mock();
    agent
      .get('http://glance.test')
      .intercept({ path: '/v2/images', method: 'GET' })
      .reply(500, '<html><body><h1>500 Internal Server Error</h1></body></html>', {
        headers: { 'content-type': 'text/html; charset=UTF-8', 'x-openstack-request-id': 'req-1' },
      });
    const seen: number[] = [];
    http.recorder.subscribe((e) => seen.push(e.status ?? -1));
    const res = await http.request({ method: 'GET', url: 'http://glance.test/v2/images' });
    assert.equal(res.status, 500);
    assert.equal(res.requestId, 'req-1');
    assert.equal(res.exchange.bodyShape, 'html');
    assert.match(res.exchange.bodyExcerpt ?? '', /500 Internal Server Error/);
    assert.deepEqual(seen, [500]);
  });

  it('masks tokens in recorded headers and secrets in body excerpts', async () => {
    const { agent, http } = mock();
    agent
      .get('http://ks.test')
      .intercept({ path: '/v3/auth/tokens', method: 'POST' })
      .reply(201, '{"echo":"s3cr3t-password","password":"other"}', {
        headers: { 'content-type': 'application/json', 'x-subject-token': 'gAAAAtoken' },
      });
    const res = await http.request({
      method: 'POST',
      url: 'http://ks.test/v3/auth/tokens',
      headers: { 'X-Auth-Token': 'gAAAAold' },
      body: '{}',
    });
    assert.equal(res.headers['x-subject-token'], 'gAAAAtoken', 'caller still gets the token');
    assert.equal(res.exchange.responseHeaders['x-subject-token'], '***');
    assert.equal(res.exchange.requestHeaders['x-auth-token'], '***');
    assert.ok(!JSON.stringify(res.exchange).includes('s3cr3t-password'));
    assert.ok(!JSON.stringify(res.exchange).includes('"other"'));
  });

  it('throws TransportError with the exchange when the connection is refused', async () => {
    const http = new HttpClient({ timeouts: { connectMs: 2000 } });
    await assert.rejects(http.request({ method: 'GET', url: 'http://127.0.0.1:9/' }), (err: unknown) => {
      assert.ok(err instanceof TransportError);
      assert.equal(err.code, 'ECONNREFUSED');
      assert.equal(err.exchange.status, null);
      assert.match(err.message, /connection refused/);
      return true;
    });
    await http.close();
  });

  it('turns a stalled response into a headers timeout, not a hang', async () => {
    const { agent } = mock();
    agent.get('http://slow.test').intercept({ path: '/', method: 'GET' }).reply(200, 'late').delay(500);
    const http = new HttpClient({ dispatcher: agent, timeouts: { totalMs: 100 } });
    await assert.rejects(http.request({ method: 'GET', url: 'http://slow.test/' }), (err: unknown) => {
      assert.ok(err instanceof TransportError);
      assert.match(err.code, /TIMEOUT|ABORT/i);
      return true;
    });
  });

  it('counts streamed request bytes', async () => {
    const { agent, http } = mock();
    agent.get('http://glance.test').intercept({ path: '/v2/images/x/file', method: 'PUT' }).reply(204, '');
    const res = await http.request({
      method: 'PUT',
      url: 'http://glance.test/v2/images/x/file',
      body: Readable.from([Buffer.alloc(1000), Buffer.alloc(24)]),
    });
    assert.equal(res.status, 204);
    assert.equal(res.exchange.bytesSent, 1024);
  });
});

describe('classifyBody', () => {
  const cases: Array<[string | undefined, string, string | undefined, string]> = [
    [
      'application/json',
      '{"message":"x","code":"404 Not Found","title":"Not Found"}',
      undefined,
      'glance-json-error',
    ],
    [
      'application/json',
      '{"error":{"code":401,"title":"Unauthorized","message":"m"}}',
      undefined,
      'keystone-json-error',
    ],
    [
      'text/html',
      '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.22.1</center></body></html>',
      'nginx/1.22.1',
      'nginx-error-page',
    ],
    [
      'text/html; charset=iso-8859-1',
      '<!DOCTYPE HTML><html><body><p>The proxy server received an invalid response</p><address>Apache/2.4.57 Server</address></body></html>',
      'Apache/2.4.57',
      'apache-error-page',
    ],
    [
      'text/html; charset=UTF-8',
      '<html><body><h1>500 Internal Server Error</h1></body></html>',
      undefined,
      'html',
    ],
    ['text/plain', '', undefined, 'empty'],
    ['application/octet-stream', 'QFI\u00fb', undefined, 'binary'],
  ];
  for (const [ct, text, server, want] of cases) {
    it(`classifies ${want}`, () => assert.equal(classifyBody(ct, text, server), want));
  }
});
