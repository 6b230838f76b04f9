import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { resolveConfig } from '../../src/config/index.js';
import { AuthError, ConfigError, UnreachableError } from '../../src/errors.js';
import { HttpClient } from '../../src/http/client.js';
import {
  authenticate,
  buildAuthRequest,
  KeystoneSession,
  selectEndpoint,
  type TokenBody,
  tokensUrl,
} from '../../src/keystone/index.js';

const captured = JSON.parse(
  readFileSync(
    new URL('../../schemas/glance/zed/fixtures/keystone-token-response.json', import.meta.url),
    'utf8',
  ),
) as TokenBody;

function cfg(env: Record<string, string>) {
  return resolveConfig({
    flags: {},
    env,
    cwd: '/nonexistent',
    homeDir: '/nonexistent',
    systemDir: '/nonexistent',
  });
}

const PASSWORD_ENV = {
  OS_AUTH_URL: 'http://ks.test:5000/v3',
  OS_USERNAME: 'admin',
  OS_PASSWORD: 'pw-secret',
  OS_PROJECT_NAME: 'admin',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
};

describe('Keystone auth request bodies', () => {
  it('password auth scopes the project by name and domain', () => {
    assert.deepEqual(buildAuthRequest(cfg(PASSWORD_ENV)), {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { password: 'pw-secret', name: 'admin', domain: { name: 'Default' } } },
        },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    });
  });

  it('application credentials carry no scope', () => {
    const body = buildAuthRequest(
      cfg({
        OS_AUTH_URL: 'http://ks.test:5000',
        OS_AUTH_TYPE: 'v3applicationcredential',
        OS_APPLICATION_CREDENTIAL_ID: 'ac1',
        OS_APPLICATION_CREDENTIAL_SECRET: 'acs',
      }),
    );
    assert.deepEqual(body, {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { secret: 'acs', id: 'ac1' },
        },
      },
    });
  });

  it('token auth re-scopes by project id', () => {
    const body = buildAuthRequest(
      cfg({ OS_AUTH_URL: 'http://ks.test:5000/v3', OS_TOKEN: 'tok', OS_PROJECT_ID: 'p1' }),
    ) as { auth: { identity: unknown; scope: unknown } };
    assert.deepEqual(body.auth.identity, { methods: ['token'], token: { id: 'tok' } });
    assert.deepEqual(body.auth.scope, { project: { id: 'p1' } });
  });

  it('adds /v3 to an unversioned auth URL only', () => {
    assert.equal(tokensUrl('http://k:5000'), 'http://k:5000/v3/auth/tokens');
    assert.equal(tokensUrl('http://k:5000/v3/'), 'http://k:5000/v3/auth/tokens');
    assert.equal(tokensUrl('http://k/identity/v3'), 'http://k/identity/v3/auth/tokens');
  });
});

function keystone(status: number, body: unknown, headers: Record<string, string> = {}): HttpClient {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent
    .get('http://ks.test:5000')
    .intercept({ path: '/v3/auth/tokens', method: 'POST' })
    .reply(status, JSON.stringify(body), { headers: { 'content-type': 'application/json', ...headers } })
    .persist();
  return new HttpClient({ dispatcher: agent });
}

describe('authenticate', () => {
  it('takes the token from X-Subject-Token and the catalog from the body', async () => {
    const http = keystone(201, captured, { 'x-subject-token': 'gAAAA-token' });
    const token = await authenticate(http, cfg(PASSWORD_ENV));
    assert.equal(token.value, 'gAAAA-token');
    assert.equal(token.userName, 'admin');
    assert.equal(token.expiresAt.toISOString(), '2026-11-22T03:21:17.000Z');
    assert.ok(token.catalog.some((s) => s.type === 'identity'));
  });

  it('a 401 names the user, project and domains tried, never the password', async () => {
    const http = keystone(401, {
      error: {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
    });
    await assert.rejects(authenticate(http, cfg(PASSWORD_ENV)), (err: unknown) => {
      assert.ok(err instanceof AuthError);
      assert.equal(err.exitCode, 3);
      assert.match(err.message, /user "admin" \(domain Default\) in project "admin" \(domain Default\)/);
      assert.ok(!err.message.includes('pw-secret'));
      return true;
    });
  });

  it('a 201 without X-Subject-Token is an invalid response', async () => {
    const http = keystone(201, captured);
    await assert.rejects(authenticate(http, cfg(PASSWORD_ENV)), /without an X-Subject-Token/);
  });

  it('a body without a token object is an invalid response', async () => {
    const http = keystone(201, { nope: 1 }, { 'x-subject-token': 't' });
    await assert.rejects(authenticate(http, cfg(PASSWORD_ENV)), /without a "token" object/);
  });

  it('Keystone not answering is UnreachableError (exit 3)', async () => {
    const http = new HttpClient({ timeouts: { connectMs: 2000 } });
    const c = cfg({ ...PASSWORD_ENV, OS_AUTH_URL: 'http://127.0.0.1:9/v3' });
    await assert.rejects(authenticate(http, c), (err: unknown) => {
      assert.ok(err instanceof UnreachableError);
      assert.equal(err.exitCode, 3);
      assert.match(err.message, /Keystone unreachable.*connection refused/);
      return true;
    });
    await http.close();
  });
});

describe('KeystoneSession', () => {
  it('re-authenticates when the token is within the refresh margin of expiry', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    let calls = 0;
    const now = Date.parse('2026-11-22T02:30:00Z');
    agent
      .get('http://ks.test:5000')
      .intercept({ path: '/v3/auth/tokens', method: 'POST' })
      .reply(() => {
        calls += 1;
        const body = structuredClone(captured);
        body.token.expires_at = new Date(now + (calls === 1 ? 3 * 60_000 : 60 * 60_000)).toISOString();
        return {
          statusCode: 201,
          data: JSON.stringify(body),
          responseOptions: {
            headers: { 'x-subject-token': `t${calls}`, 'content-type': 'application/json' },
          },
        };
      })
      .persist();
    const session = new KeystoneSession(new HttpClient({ dispatcher: agent }), cfg(PASSWORD_ENV), () => now);
    assert.equal(await session.token(), 't1');
    assert.equal(await session.token(), 't2', 'a token 3 minutes from expiry is replaced');
    assert.equal(await session.token(), 't2', 'a fresh token is kept');
    assert.equal(calls, 2);
  });
});

describe('selectEndpoint', () => {
  const catalog = [
    {
      id: 's1',
      type: 'image',
      name: 'glance',
      endpoints: [
        {
          id: 'e1',
          interface: 'public',
          region_id: 'RegionOne',
          region: 'RegionOne',
          url: 'http://pub:9292',
        },
        {
          id: 'e2',
          interface: 'internal',
          region_id: 'RegionOne',
          region: 'RegionOne',
          url: 'http://int:9292',
        },
        { id: 'e3', interface: 'admin', region_id: 'RegionOne', region: 'RegionOne', url: 'http://adm:9292' },
        {
          id: 'e4',
          interface: 'public',
          region_id: 'RegionTwo',
          region: 'RegionTwo',
          url: 'http://pub2:9292',
        },
      ],
    },
    {
      id: 's2',
      type: 'identity',
      endpoints: [{ id: 'k', interface: 'public', region_id: 'RegionOne', url: 'http://ks:5000/v3' }],
    },
  ];
  const cases: Array<[string, 'public' | 'internal' | 'admin', string | undefined, string]> = [
    ['public, no region: first', 'public', undefined, 'http://pub:9292'],
    ['internal', 'internal', undefined, 'http://int:9292'],
    ['admin', 'admin', 'RegionOne', 'http://adm:9292'],
    ['public in RegionTwo', 'public', 'RegionTwo', 'http://pub2:9292'],
  ];
  for (const [name, iface, region, url] of cases) {
    it(name, () => {
      const r = selectEndpoint(catalog, { type: 'image', interface: iface, ...(region ? { region } : {}) });
      assert.equal(r.chosen.url, url);
      assert.equal(r.all.length, 4, 'all image endpoints are kept for later comparison');
    });
  }

  it('no match lists what the catalog has', () => {
    assert.throws(
      () => selectEndpoint(catalog, { type: 'image', interface: 'internal', region: 'RegionTwo' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(
          err.message,
          /^internal endpoint for image service in RegionTwo region not found; the catalog has: public@RegionOne http:\/\/pub:9292/,
        );
        return true;
      },
    );
  });

  it('no image service names the types present', () => {
    assert.throws(
      () => selectEndpoint([catalog[1]!], { type: 'image', interface: 'public' }),
      /no image service \(types: identity\)/,
    );
  });

  it('an empty catalog says so', () => {
    assert.throws(
      () => selectEndpoint([], { type: 'image', interface: 'public' }),
      /The service catalog is empty/,
    );
  });

  it('the captured Zed catalog gives the image endpoint on each interface', () => {
    const withImage = JSON.parse(
      readFileSync(
        new URL('../../schemas/glance/zed/fixtures/keystone-token-with-image-catalog.json', import.meta.url),
        'utf8',
      ),
    ) as TokenBody;
    const r = selectEndpoint(withImage.token.catalog ?? [], {
      type: 'image',
      interface: 'internal',
      region: 'RegionOne',
    });
    assert.equal(r.chosen.url, 'http://127.0.0.1:9292');
    assert.deepEqual(r.all.map((e) => e.interface).sort(), ['admin', 'internal', 'public']);
  });
});
