import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { startRunService } from '../../src/run/service.js';

describe('run service: tokens for workers and k6', () => {
  it('GET /token with the key returns the provider’s current token, renewed tokens included', async () => {
    let n = 1;
    const server = await startRunService({ tokens: { primary: { token: async () => `tok-${n}` } } });
    try {
      assert.match(server.tokenUrl, /^http:\/\/127\.0\.0\.1:\d+\/token$/);
      const auth = { authorization: `Bearer ${server.key}` };
      const a = await request(server.tokenUrl, { headers: auth });
      assert.equal(a.statusCode, 200);
      assert.equal(await a.body.text(), 'tok-1');
      n = 2; // the Keystone session re-authenticated
      const b = await request(server.tokenUrl, { headers: auth });
      assert.equal(await b.body.text(), 'tok-2');
      assert.equal(b.headers['cache-control'], 'no-store');
      assert.equal(server.served(), 2);
    } finally {
      await server.close();
    }
  });

  it('GET /token without the key, or with another, answers 403 and no token', async () => {
    const server = await startRunService({ tokens: { primary: { token: async () => 'secret-token' } } });
    try {
      for (const headers of [
        {},
        { authorization: 'Bearer nope' },
        { authorization: `Bearer ${server.key}x` },
      ]) {
        const r = await request(server.tokenUrl, { headers });
        assert.equal(r.statusCode, 403);
        assert.doesNotMatch(await r.body.text(), /secret-token/);
      }
    } finally {
      await server.close();
    }
  });

  it('GET /token when renewal fails answers 503 with the reason', async () => {
    const server = await startRunService({
      tokens: {
        primary: {
          token: async () => {
            throw new Error('Keystone unreachable');
          },
        },
      },
    });
    try {
      const r = await request(server.tokenUrl, { headers: { authorization: `Bearer ${server.key}` } });
      assert.equal(r.statusCode, 503);
      assert.match(await r.body.text(), /token renewal failed: Keystone unreachable/);
    } finally {
      await server.close();
    }
  });
});
