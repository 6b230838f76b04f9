import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AuthType, Source } from '../../src/config/index.js';
import { PASSWORD_ENV, sandbox } from './helpers.js';

const KS = 'https://ks.test:5000';

describe('auth type inference when OS_AUTH_TYPE is absent', () => {
  const cases: ReadonlyArray<{
    name: string;
    env: Record<string, string>;
    flags?: Record<string, string>;
    type: AuthType;
    source: Source;
  }> = [
    {
      name: 'a username means password',
      env: { OS_AUTH_URL: KS, OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_ID: 'x' },
      type: 'password',
      source: { kind: 'derived', from: 'OS_USERNAME' },
    },
    {
      name: 'a user ID means password',
      env: { OS_AUTH_URL: KS, OS_USER_ID: 'uid', OS_PASSWORD: 'p', OS_PROJECT_ID: 'x' },
      type: 'password',
      source: { kind: 'derived', from: 'OS_USER_ID' },
    },
    {
      name: 'a token without a username means token',
      env: { OS_AUTH_URL: KS, OS_TOKEN: 'tok', OS_PROJECT_ID: 'x' },
      type: 'token',
      source: { kind: 'derived', from: 'OS_TOKEN' },
    },
    {
      name: 'a token with a username still means password',
      env: { OS_AUTH_URL: KS, OS_TOKEN: 'tok', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_ID: 'x' },
      type: 'password',
      source: { kind: 'derived', from: 'OS_USERNAME' },
    },
    {
      name: 'an application credential ID means v3applicationcredential',
      env: { OS_AUTH_URL: KS, OS_APPLICATION_CREDENTIAL_ID: 'ac', OS_APPLICATION_CREDENTIAL_SECRET: 's' },
      type: 'v3applicationcredential',
      source: { kind: 'derived', from: 'OS_APPLICATION_CREDENTIAL_ID' },
    },
    {
      name: '--endpoint and nothing else means none',
      env: {},
      flags: { endpoint: 'http://glance.test:9292' },
      type: 'none',
      source: { kind: 'derived', from: '--endpoint' },
    },
    {
      name: 'OS_ENDPOINT and nothing else means none',
      env: { OS_ENDPOINT: 'http://glance.test:9292' },
      type: 'none',
      source: { kind: 'derived', from: 'OS_ENDPOINT' },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const cfg = sandbox().resolve(c.env, c.flags ?? {});
      assert.deepEqual(cfg.authType, { value: c.type, source: c.source });
    });
  }

  it('nothing at all: password by default, not configured', () => {
    const cfg = sandbox().resolve({});
    assert.deepEqual(cfg.authType, { value: 'password', source: { kind: 'default' } });
    assert.equal(cfg.configured, false);
  });

  it('an endpoint with an auth URL is not auth none', () => {
    assert.throws(
      () => sandbox().resolve({ OS_AUTH_URL: KS }, { endpoint: 'http://glance.test' }),
      /^ConfigError: Missing parameter\(s\): Set a username/,
    );
  });
});

describe('auth type aliases', () => {
  const base = { OS_AUTH_URL: KS, OS_PROJECT_ID: 'p' };
  const cases: ReadonlyArray<{ spelled: string; env: Record<string, string>; type: AuthType }> = [
    { spelled: 'password', env: { ...base, OS_USERNAME: 'u', OS_PASSWORD: 'p' }, type: 'password' },
    { spelled: 'v3password', env: { ...base, OS_USERNAME: 'u', OS_PASSWORD: 'p' }, type: 'password' },
    { spelled: 'V3Password', env: { ...base, OS_USERNAME: 'u', OS_PASSWORD: 'p' }, type: 'password' },
    { spelled: 'token', env: { ...base, OS_TOKEN: 't' }, type: 'token' },
    { spelled: 'v3token', env: { ...base, OS_TOKEN: 't' }, type: 'token' },
    { spelled: 'admin_token', env: { OS_TOKEN: 't', OS_ENDPOINT: 'http://g.test' }, type: 'token' },
    { spelled: 'token_endpoint', env: { OS_TOKEN: 't', OS_URL: 'http://g.test' }, type: 'token' },
    {
      spelled: 'v3applicationcredential',
      env: { OS_AUTH_URL: KS, OS_APPLICATION_CREDENTIAL_ID: 'a', OS_APPLICATION_CREDENTIAL_SECRET: 's' },
      type: 'v3applicationcredential',
    },
    { spelled: 'none', env: { OS_ENDPOINT: 'http://g.test' }, type: 'none' },
  ];
  for (const c of cases) {
    it(`OS_AUTH_TYPE=${c.spelled} is ${c.type}`, () => {
      const cfg = sandbox().resolve({ ...c.env, OS_AUTH_TYPE: c.spelled });
      assert.deepEqual(cfg.authType, { value: c.type, source: { kind: 'env', name: 'OS_AUTH_TYPE' } });
    });
  }

  it('admin_token uses OS_ENDPOINT as the image endpoint and needs no Keystone', () => {
    const cfg = sandbox().resolve({
      OS_AUTH_TYPE: 'admin_token',
      OS_TOKEN: 't',
      OS_ENDPOINT: 'http://g.test:9292',
    });
    assert.deepEqual(cfg.endpoint, {
      value: 'http://g.test:9292',
      source: { kind: 'env', name: 'OS_ENDPOINT' },
    });
    assert.equal(cfg.auth.authUrl, undefined);
  });

  it('admin_token drops an auth URL, with a warning: it never talks to Keystone', () => {
    const cfg = sandbox().resolve({
      OS_AUTH_TYPE: 'token_endpoint',
      OS_TOKEN: 't',
      OS_ENDPOINT: 'http://g.test:9292',
      OS_AUTH_URL: KS,
    });
    assert.equal(cfg.auth.authUrl, undefined);
    assert.deepEqual(cfg.warnings, [
      'OS_AUTH_URL is ignored: auth type token_endpoint never talks to Keystone',
    ]);
  });

  it('--auth-type beats OS_AUTH_TYPE', () => {
    const cfg = sandbox().resolve(
      { OS_AUTH_TYPE: 'password', OS_ENDPOINT: 'http://g.test' },
      { authType: 'none' },
    );
    assert.deepEqual(cfg.authType, { value: 'none', source: { kind: 'flag', name: '--auth-type' } });
  });
});

describe('OS_DEFAULT_DOMAIN fills unnamed domains for password auth', () => {
  const bare = { OS_AUTH_URL: KS, OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'demo' };
  const derived = (from: string) => ({ kind: 'derived', from }) as const;

  it('fills user_domain_id and project_domain_id when neither was given', () => {
    const cfg = sandbox().resolve({ ...bare, OS_DEFAULT_DOMAIN: 'd1' });
    assert.deepEqual(cfg.auth.userDomainId, { value: 'd1', source: derived('OS_DEFAULT_DOMAIN') });
    assert.deepEqual(cfg.auth.projectDomainId, { value: 'd1', source: derived('OS_DEFAULT_DOMAIN') });
  });

  it('without OS_DEFAULT_DOMAIN the ID "default" is used, as OSC does', () => {
    const cfg = sandbox().resolve(bare);
    assert.equal(cfg.auth.userDomainId?.value, 'default');
    assert.equal(cfg.auth.projectDomainId?.value, 'default');
    assert.equal(cfg.auth.userDomainId?.source.kind, 'derived');
  });

  it('leaves a domain alone when its name or its ID was given', () => {
    const byName = sandbox().resolve({ ...bare, OS_DEFAULT_DOMAIN: 'd1', OS_USER_DOMAIN_NAME: 'Users' });
    assert.equal(byName.auth.userDomainId, undefined);
    assert.equal(byName.auth.userDomainName?.value, 'Users');
    assert.equal(byName.auth.projectDomainId?.value, 'd1');

    const byId = sandbox().resolve({ ...bare, OS_DEFAULT_DOMAIN: 'd1', OS_PROJECT_DOMAIN_ID: 'pd' });
    assert.deepEqual(byId.auth.projectDomainId, {
      value: 'pd',
      source: { kind: 'env', name: 'OS_PROJECT_DOMAIN_ID' },
    });
    assert.equal(byId.auth.userDomainId?.value, 'd1');

    const both = sandbox().resolve({ ...PASSWORD_ENV, OS_DEFAULT_DOMAIN: 'd1' });
    assert.equal(both.auth.userDomainId, undefined);
    assert.equal(both.auth.projectDomainId, undefined);
  });

  it('--os-default-domain and clouds.yaml default_domain work too', () => {
    const viaFlag = sandbox().resolve(bare, { osDefaultDomain: 'flagdom' });
    assert.deepEqual(viaFlag.auth.userDomainId, { value: 'flagdom', source: derived('--os-default-domain') });

    const sb = sandbox();
    sb.write(
      join(sb.cwd, 'clouds.yaml'),
      'clouds:\n  c:\n    default_domain: filedom\n    auth:\n      auth_url: https://ks.test\n      username: u\n      password: p\n      project_name: x\n',
    );
    const viaFile = sb.resolve({ OS_CLOUD: 'c' });
    assert.deepEqual(viaFile.auth.projectDomainId, { value: 'filedom', source: derived('default_domain') });
  });

  it('does not apply to token or application credential auth', () => {
    const token = sandbox().resolve({
      OS_AUTH_URL: KS,
      OS_TOKEN: 't',
      OS_PROJECT_ID: 'p',
      OS_DEFAULT_DOMAIN: 'd1',
    });
    assert.equal(token.auth.userDomainId, undefined);
    assert.equal(token.auth.projectDomainId, undefined);
    const appCred = sandbox().resolve({
      OS_AUTH_URL: KS,
      OS_APPLICATION_CREDENTIAL_ID: 'a',
      OS_APPLICATION_CREDENTIAL_SECRET: 's',
      OS_DEFAULT_DOMAIN: 'd1',
    });
    assert.equal(appCred.auth.userDomainId, undefined);
  });
});

describe('legacy OS_TENANT_* variables', () => {
  const base = { OS_AUTH_URL: KS, OS_USERNAME: 'u', OS_PASSWORD: 'p' };

  it('OS_TENANT_NAME and OS_TENANT_ID stand in for unset project variables', () => {
    const cfg = sandbox().resolve({ ...base, OS_TENANT_NAME: 'old', OS_TENANT_ID: 'oldid' });
    assert.deepEqual(cfg.auth.projectName, { value: 'old', source: { kind: 'env', name: 'OS_TENANT_NAME' } });
    assert.deepEqual(cfg.auth.projectId, { value: 'oldid', source: { kind: 'env', name: 'OS_TENANT_ID' } });
  });

  it('OS_PROJECT_* win when both are set', () => {
    const cfg = sandbox().resolve({
      ...base,
      OS_TENANT_NAME: 'old',
      OS_PROJECT_NAME: 'new',
      OS_PROJECT_ID: 'nid',
      OS_TENANT_ID: 'oid',
    });
    assert.equal(cfg.auth.projectName?.value, 'new');
    assert.equal(cfg.auth.projectId?.value, 'nid');
  });

  it('tenant_name in clouds.yaml maps to the project name', () => {
    const sb = sandbox();
    sb.write(
      join(sb.cwd, 'clouds.yaml'),
      'clouds:\n  c:\n    auth:\n      auth_url: https://ks.test\n      username: u\n      password: p\n      tenant_name: t1\n',
    );
    assert.equal(sb.resolve({ OS_CLOUD: 'c' }).auth.projectName?.value, 't1');
  });

  it('OS_TENANT_NAME alone makes an envvars cloud', () => {
    const sb = sandbox();
    assert.throws(() => sb.resolve({ OS_TENANT_NAME: 'x' }), /Set an authentication URL/);
  });
});

describe('application credentials carry their own scope', () => {
  it('project and domain-scope values are dropped, each with a warning', () => {
    const cfg = sandbox().resolve({
      OS_AUTH_URL: KS,
      OS_AUTH_TYPE: 'v3applicationcredential',
      OS_APPLICATION_CREDENTIAL_ID: 'ac',
      OS_APPLICATION_CREDENTIAL_SECRET: 'acs',
      OS_PROJECT_NAME: 'stale',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    });
    assert.equal(cfg.auth.projectName, undefined);
    assert.equal(cfg.auth.projectDomainName, undefined);
    assert.ok(
      cfg.warnings.includes(
        'OS_PROJECT_NAME is ignored: an application credential carries its own project scope',
      ),
    );
    assert.equal(cfg.warnings.filter((w) => w.includes('is ignored: an application credential')).length, 2);
  });

  it('a name plus a user (name and domain) is accepted instead of an ID', () => {
    const cfg = sandbox().resolve({
      OS_AUTH_URL: KS,
      OS_APPLICATION_CREDENTIAL_NAME: 'ci',
      OS_APPLICATION_CREDENTIAL_SECRET: 's',
      OS_USERNAME: 'u',
      OS_USER_DOMAIN_NAME: 'Default',
    });
    assert.equal(cfg.authType.value, 'v3applicationcredential');
    assert.equal(cfg.auth.applicationCredentialName?.value, 'ci');
  });
});

describe('endpoints', () => {
  it('OS_ENDPOINT is ignored with password auth, with a warning pointing at the override', () => {
    const cfg = sandbox().resolve({ ...PASSWORD_ENV, OS_ENDPOINT: 'http://g.test' });
    assert.equal(cfg.endpoint, undefined);
    assert.match(
      cfg.warnings[0] ?? '',
      /^OS_ENDPOINT is ignored with password auth.*OS_IMAGE_ENDPOINT_OVERRIDE/,
    );
  });

  it('the image endpoint override skips the catalog with any auth type', () => {
    const cfg = sandbox().resolve({ ...PASSWORD_ENV, OS_ENDPOINT_OVERRIDE: 'https://glance.test:9292/' });
    assert.deepEqual(cfg.endpoint, {
      value: 'https://glance.test:9292/',
      source: { kind: 'env', name: 'OS_ENDPOINT_OVERRIDE' },
    });
  });

  it('a token with OS_ENDPOINT and no auth URL is used directly', () => {
    const cfg = sandbox().resolve({ OS_TOKEN: 't', OS_ENDPOINT: 'http://g.test' });
    assert.equal(cfg.authType.value, 'token');
    assert.equal(cfg.endpoint?.value, 'http://g.test');
    assert.equal(cfg.configured, true);
  });

  it('interface spellings: publicURL, internalURL, ADMIN', () => {
    const sb = sandbox();
    assert.equal(sb.resolve({ ...PASSWORD_ENV, OS_INTERFACE: 'publicURL' }).interface.value, 'public');
    assert.equal(sb.resolve({ ...PASSWORD_ENV, OS_INTERFACE: 'internalURL' }).interface.value, 'internal');
    assert.equal(sb.resolve({ ...PASSWORD_ENV, OS_INTERFACE: 'ADMIN' }).interface.value, 'admin');
    assert.equal(
      sb.resolve({ ...PASSWORD_ENV, OS_ENDPOINT_TYPE: 'internalURL' }).interface.value,
      'internal',
    );
  });

  it('a missing region is a warning when the catalog will be used, not with an endpoint override', () => {
    const { OS_REGION_NAME: _, ...noRegion } = PASSWORD_ENV;
    const catalog = sandbox().resolve(noRegion);
    assert.match(catalog.warnings[0] ?? '', /^No region set/);
    const override = sandbox().resolve({ ...noRegion, OS_IMAGE_ENDPOINT_OVERRIDE: 'http://g.test' });
    assert.deepEqual(override.warnings, []);
  });
});

describe('TLS settings', () => {
  it('insecure wins over cacert, which is dropped with a warning', () => {
    const sb = sandbox();
    const ca = sb.write(join(sb.cwd, 'ca.pem'), 'pem');
    const cfg = sb.resolve({ ...PASSWORD_ENV, OS_CACERT: ca, OS_INSECURE: 'yes' });
    assert.deepEqual(cfg.tls.insecure, { value: true, source: { kind: 'env', name: 'OS_INSECURE' } });
    assert.equal(cfg.tls.cacert, undefined);
    assert.ok(cfg.warnings.includes('OS_CACERT is ignored because TLS verification is off (OS_INSECURE)'));
  });

  it('--insecure beats OS_INSECURE=false; relative certificate paths are taken from the working directory', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'certs', 'c.pem'), 'cert');
    sb.write(join(sb.cwd, 'certs', 'k.pem'), 'key');
    const cfg = sb.resolve(
      { ...PASSWORD_ENV, OS_INSECURE: 'false', OS_CERT: 'certs/c.pem', OS_KEY: 'certs/k.pem' },
      { insecure: true },
    );
    assert.deepEqual(cfg.tls.insecure, { value: true, source: { kind: 'flag', name: '--insecure' } });
    assert.equal(cfg.tls.cert?.value, join(sb.cwd, 'certs', 'c.pem'));
    assert.equal(cfg.tls.key?.value, join(sb.cwd, 'certs', 'k.pem'));
  });

  for (const [word, expected] of [
    ['true', true],
    ['1', true],
    ['YES', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ] as const) {
    it(`OS_INSECURE=${word} is ${expected}`, () => {
      assert.equal(sandbox().resolve({ ...PASSWORD_ENV, OS_INSECURE: word }).tls.insecure.value, expected);
    });
  }
});

describe('the resolved config is deeply frozen', () => {
  it('nested values cannot be changed', () => {
    const cfg = sandbox().resolve(PASSWORD_ENV);
    assert.ok(Object.isFrozen(cfg));
    assert.ok(Object.isFrozen(cfg.auth));
    assert.ok(Object.isFrozen(cfg.auth.authUrl));
    assert.ok(Object.isFrozen(cfg.auth.authUrl?.source));
    assert.ok(Object.isFrozen(cfg.warnings));
    assert.throws(() => {
      (cfg.harness as { prefix: unknown }).prefix = 'x';
    }, TypeError);
  });
});
