// A Keystone whose tokens are dead or dying when issued: the session refuses the dead one with a
// message naming both clocks, and never asks more than MAX_AUTHS_PER_WINDOW times a minute.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { AuthError } from '../../src/errors.js';
import { HttpClient } from '../../src/http/client.js';
import { AUTH_WINDOW_MS, KeystoneSession, MAX_AUTHS_PER_WINDOW } from '../../src/keystone/index.js';

const servers: Server[] = [];
const clients: HttpClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const s of servers) s.close();
});

interface LoopbackKeystone {
  url: string;
  /** When each POST /v3/auth/tokens arrived, on the test's clock. */
  requests: number[];
}

/** Answers POST /v3/auth/tokens with 201 and a token expiring `ttlMs` after `clock()` (negative: already expired). */
async function keystone(ttlMs: number, clock: () => number): Promise<LoopbackKeystone> {
  const requests: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v3/auth/tokens') {
        res.writeHead(404).end();
        return;
      }
      requests.push(clock());
      const token = {
        methods: ['password'],
        expires_at: new Date(clock() + ttlMs).toISOString(),
        issued_at: new Date(clock()).toISOString(),
        user: { id: 'u1', name: 'admin' },
        project: { id: 'p1', name: 'admin' },
        roles: [{ id: 'r1', name: 'admin' }],
        catalog: [],
      };
      res
        .writeHead(201, { 'content-type': 'application/json', 'x-subject-token': `tok-${requests.length}` })
        .end(JSON.stringify({ token }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v3`, requests };
}

function session(ks: LoopbackKeystone, clock: () => number): KeystoneSession {
  const cfg = resolveConfig({
    flags: {},
    env: {
      OS_AUTH_URL: ks.url,
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'pw',
      OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    },
    cwd: '/nonexistent',
    homeDir: '/nonexistent',
    systemDir: '/nonexistent',
  });
  const http = new HttpClient();
  clients.push(http);
  return new KeystoneSession(http, cfg, clock);
}

/** The most requests that arrived within any AUTH_WINDOW_MS. */
function busiestWindow(times: readonly number[]): number {
  return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u - t < AUTH_WINDOW_MS).length));
}

describe('Keystone issuing dead or dying tokens', () => {
  it('POST /v3/auth/tokens with a token already expired is refused, naming both clocks, and asked 3 times at most', async () => {
    const ks = await keystone(-3600_000, Date.now);
    const s = session(ks, Date.now);
    const errors: string[] = [];
    for (let i = 0; i < 10; i++) {
      await assert.rejects(s.token(), (err: unknown) => {
        assert.ok(err instanceof AuthError);
        assert.equal(err.exitCode, 3);
        assert.doesNotMatch(err.message, /\n/);
        errors.push(err.message);
        return true;
      });
    }
    assert.equal(ks.requests.length, MAX_AUTHS_PER_WINDOW);
    assert.match(
      errors[0]!,
      /^Keystone issued an already expired token at http:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens: expires_at \d{4}-\d\d-\d\dT[\d:.]+Z, 3600 s before the local time \d{4}-\d\d-\d\dT[\d:.]+Z; check Keystone's clock \(NTP\) and \[token\] expiration in keystone\.conf$/,
    );
    assert.match(
      errors.at(-1)!,
      /^Keystone was asked for a token 3 times in 60 s at http:\S+, the most the harness allows; not asking again: check Keystone's clock \(NTP\)/,
    );
  });

  it('POST /v3/auth/tokens with 30 s tokens: renewed once, then each kept to its end', async () => {
    let now = Date.parse('2026-12-03T12:00:00Z');
    const clock = (): number => now;
    const ks = await keystone(30_000, clock);
    const s = session(ks, clock);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      seen.add(await s.token());
      now += 10_000;
    }
    // 300 s of calls: the first token, one early renewal, then one each time a token reaches its end.
    assert.ok(ks.requests.length <= 12, `${ks.requests.length} requests`);
    assert.ok(busiestWindow(ks.requests) <= MAX_AUTHS_PER_WINDOW, `requests at ${ks.requests.join(' ')}`);
    assert.equal(seen.size, ks.requests.length, 'every token obtained was used');
  });

  it('POST /v3/auth/tokens with 30 s tokens on a real clock: two requests for many calls', async () => {
    const ks = await keystone(30_000, Date.now);
    const s = session(ks, Date.now);
    for (let i = 0; i < 50; i++) await s.token();
    assert.equal(ks.requests.length, 2);
  });

  it('POST /v3/auth/tokens with 1 s tokens: a fourth request within a minute is refused before it is sent', async () => {
    let now = Date.parse('2026-12-03T12:00:00Z');
    const clock = (): number => now;
    const ks = await keystone(1_000, clock);
    const s = session(ks, clock);
    await s.token();
    now += 2_000;
    await s.token();
    now += 2_000;
    await s.token();
    now += 2_000;
    await assert.rejects(s.token(), (err: unknown) => {
      assert.ok(err instanceof AuthError);
      assert.match(
        err.message,
        /^Keystone was asked for a token 3 times in 60 s at \S+, the most the harness allows; not asking again \(the last token expires_at 2026-12-03T12:00:05\.000Z, local time 2026-12-03T12:00:06\.000Z\): check Keystone's clock \(NTP\) and \[token\] expiration in keystone\.conf$/,
      );
      return true;
    });
    assert.equal(ks.requests.length, 3);
    now += AUTH_WINDOW_MS;
    await s.token();
    assert.equal(ks.requests.length, 4, 'a minute later, Keystone is asked again');
  });
});
