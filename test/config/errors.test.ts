import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ConfigFlags } from '../../src/config/index.js';
import { ConfigError, ExitCode } from '../../src/errors.js';
import type { Sandbox } from './helpers.js';
import { sandbox } from './helpers.js';

const KS = 'https://ks.test:5000/v3';
/** Every secret used below; none may ever appear in an error message. */
const SECRETS = ['hunter2-secret', 'ac-secret-value', 'tok-secret-value', 'yaml-secret-pw'];
const PW = { OS_AUTH_URL: KS, OS_USERNAME: 'alice', OS_PASSWORD: 'hunter2-secret', OS_PROJECT_NAME: 'demo' };
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface ErrorCase {
  readonly name: string;
  readonly env?: Record<string, string>;
  readonly flags?: ConfigFlags;
  /** Files to write before resolving; returns extra env. */
  readonly files?: (sb: Sandbox) => Record<string, string> | undefined;
  /** The whole message, or a pattern for messages that contain temp paths. */
  readonly message: string | RegExp | ((sb: Sandbox) => RegExp);
}

const CASES: readonly ErrorCase[] = [
  {
    name: 'OS_AUTH_URL without a scheme',
    env: { ...PW, OS_AUTH_URL: '5000' },
    message: 'OS_AUTH_URL must be an absolute http(s) URL (got "5000")',
  },
  {
    name: '--os-auth-url with a non-http scheme',
    env: PW,
    flags: { osAuthUrl: 'ftp://ks.test' },
    message: '--os-auth-url must be an absolute http(s) URL (got "ftp://ks.test")',
  },
  {
    name: 'auth.auth_url in clouds.yaml that is a path',
    files: (sb) => {
      sb.write(join(sb.cwd, 'clouds.yaml'), 'clouds:\n  c:\n    auth:\n      auth_url: /v3\n');
      return { OS_CLOUD: 'c' };
    },
    message: (sb) =>
      new RegExp(
        `^auth\\.auth_url in ${esc(join(sb.cwd, 'clouds.yaml'))} must be an absolute http\\(s\\) URL \\(got "/v3"\\)$`,
      ),
  },
  {
    name: 'an ftp auth URL carrying a password, shown masked',
    env: { ...PW, OS_AUTH_URL: 'ftp://bob:hunter2-secret@ks.test' },
    message: 'OS_AUTH_URL must be an absolute http(s) URL (got "ftp://bob:***@ks.test")',
  },
  {
    name: 'an endpoint override that is not a URL',
    env: { ...PW, OS_IMAGE_ENDPOINT_OVERRIDE: 'glance:9292' },
    message: 'OS_IMAGE_ENDPOINT_OVERRIDE must be an absolute http(s) URL (got "glance:9292")',
  },
  {
    name: 'password auth without an auth URL',
    env: { OS_USERNAME: 'alice', OS_PASSWORD: 'hunter2-secret', OS_PROJECT_NAME: 'demo' },
    message:
      'Missing parameter(s): Set an authentication URL, with --os-auth-url, OS_AUTH_URL or auth.auth_url',
  },
  {
    name: 'password auth without a user',
    env: { OS_AUTH_URL: KS, OS_PASSWORD: 'hunter2-secret', OS_PROJECT_NAME: 'demo' },
    message:
      'Missing parameter(s): Set a username with --os-username, OS_USERNAME or auth.username ' +
      '(or a user ID with --os-user-id, OS_USER_ID or auth.user_id)',
  },
  {
    name: 'password auth without a password',
    env: { OS_AUTH_URL: KS, OS_USERNAME: 'alice', OS_PROJECT_NAME: 'demo' },
    message: 'Missing parameter(s): Set a password with --os-password, OS_PASSWORD or auth.password',
  },
  {
    name: 'password auth without a project',
    env: { OS_AUTH_URL: KS, OS_USERNAME: 'alice', OS_PASSWORD: 'hunter2-secret' },
    message:
      'Missing parameter(s): Set a project with --os-project-name, OS_PROJECT_NAME or auth.project_name ' +
      '(or a project ID with --os-project-id, OS_PROJECT_ID or auth.project_id)',
  },
  {
    name: 'password auth with only a domain scope',
    env: { OS_AUTH_URL: KS, OS_USERNAME: 'alice', OS_PASSWORD: 'hunter2-secret', OS_DOMAIN_NAME: 'Default' },
    message:
      'Missing parameter(s): Set a project with --os-project-name, OS_PROJECT_NAME or auth.project_name ' +
      '(or a project ID with --os-project-id, OS_PROJECT_ID or auth.project_id); ' +
      'a domain scope (OS_DOMAIN_NAME) is not enough for Glance',
  },
  {
    name: 'both a project and a domain scope',
    env: { ...PW, OS_DOMAIN_ID: 'default' },
    message: 'Set either a project or a domain scope, but not both (got OS_PROJECT_NAME and OS_DOMAIN_ID)',
  },
  {
    name: 'auth type none without an endpoint',
    env: { OS_AUTH_TYPE: 'none', OS_AUTH_URL: KS },
    message: '--auth-type none needs an image endpoint: set --endpoint or OS_ENDPOINT',
  },
  {
    name: 'admin_token without an endpoint',
    env: { OS_AUTH_TYPE: 'admin_token', OS_TOKEN: 'tok-secret-value' },
    message: '--auth-type admin_token needs an image endpoint: set --endpoint or OS_ENDPOINT',
  },
  {
    name: 'token auth without a token',
    env: { OS_AUTH_TYPE: 'v3token', OS_AUTH_URL: KS, OS_PROJECT_ID: 'p' },
    message: 'Missing parameter(s): Set a token with --os-token, OS_TOKEN or auth.token',
  },
  {
    name: 'token auth with neither an auth URL nor an endpoint',
    env: { OS_TOKEN: 'tok-secret-value', OS_PROJECT_ID: 'p' },
    message:
      'Missing parameter(s): Set an authentication URL, with --os-auth-url, OS_AUTH_URL or auth.auth_url',
  },
  {
    name: 'token auth scoped by project name without a project domain',
    env: { OS_TOKEN: 'tok-secret-value', OS_AUTH_URL: KS, OS_PROJECT_NAME: 'demo' },
    message:
      'Missing parameter(s): Set a project domain with --os-project-domain-name, OS_PROJECT_DOMAIN_NAME or ' +
      'auth.project_domain_name (or a project domain ID with --os-project-domain-id, OS_PROJECT_DOMAIN_ID or ' +
      'auth.project_domain_id)',
  },
  {
    name: 'application credential without a secret',
    env: { OS_AUTH_URL: KS, OS_APPLICATION_CREDENTIAL_ID: 'ac' },
    message:
      'Missing parameter(s): Set an application credential secret with --os-application-credential-secret, ' +
      'OS_APPLICATION_CREDENTIAL_SECRET or auth.application_credential_secret',
  },
  {
    name: 'application credential without an ID or a name',
    env: {
      OS_AUTH_URL: KS,
      OS_AUTH_TYPE: 'v3applicationcredential',
      OS_APPLICATION_CREDENTIAL_SECRET: 'ac-secret-value',
    },
    message:
      'Missing parameter(s): Set an application credential ID with --os-application-credential-id, ' +
      'OS_APPLICATION_CREDENTIAL_ID or auth.application_credential_id (or a name and a user with ' +
      '--os-application-credential-name, OS_APPLICATION_CREDENTIAL_NAME or auth.application_credential_name)',
  },
  {
    name: 'application credential name without a user',
    env: {
      OS_AUTH_URL: KS,
      OS_APPLICATION_CREDENTIAL_NAME: 'ci',
      OS_APPLICATION_CREDENTIAL_SECRET: 'ac-secret-value',
    },
    message:
      'Missing parameter(s): Set a user for the application credential name with --os-username, OS_USERNAME or ' +
      'auth.username (or a user ID with --os-user-id, OS_USER_ID or auth.user_id)',
  },
  {
    name: 'application credential name and username without a user domain',
    env: {
      OS_AUTH_URL: KS,
      OS_APPLICATION_CREDENTIAL_NAME: 'ci',
      OS_APPLICATION_CREDENTIAL_SECRET: 'ac-secret-value',
      OS_USERNAME: 'alice',
    },
    message:
      'Missing parameter(s): Set a user domain with --os-user-domain-name, OS_USER_DOMAIN_NAME or ' +
      'auth.user_domain_name (or a user domain ID with --os-user-domain-id, OS_USER_DOMAIN_ID or auth.user_domain_id)',
  },
  {
    name: 'application credential without an auth URL',
    env: { OS_APPLICATION_CREDENTIAL_ID: 'ac', OS_APPLICATION_CREDENTIAL_SECRET: 'ac-secret-value' },
    message:
      'Missing parameter(s): Set an authentication URL, with --os-auth-url, OS_AUTH_URL or auth.auth_url',
  },
  {
    name: 'an unsupported auth type',
    env: { ...PW, OS_AUTH_TYPE: 'v3totp' },
    message:
      'OS_AUTH_TYPE "v3totp" is not supported; use one of password, v3password, token, v3token, admin_token, ' +
      'token_endpoint, v3applicationcredential, applicationcredential, none',
  },
  {
    name: 'an auth type that is an Object property name',
    env: { ...PW, OS_AUTH_TYPE: 'constructor' },
    message: /^OS_AUTH_TYPE "constructor" is not supported; use one of password, /,
  },
  {
    name: 'an unknown interface',
    env: { ...PW, OS_INTERFACE: 'private' },
    message: 'OS_INTERFACE must be public, internal or admin (got "private")',
  },
  {
    name: 'a boolean variable that is not a boolean',
    env: { ...PW, OS_INSECURE: 'maybe' },
    message: 'OS_INSECURE must be true/false, yes/no or 1/0 (got "maybe")',
  },
  {
    name: 'verify in clouds.yaml that is not a boolean',
    files: (sb) => {
      sb.write(
        join(sb.cwd, 'clouds.yaml'),
        'clouds:\n  c:\n    auth_type: none\n    endpoint_override: http://g\n    verify: sometimes\n',
      );
      return { OS_CLOUD: 'c' };
    },
    message: (sb) =>
      new RegExp(
        `^verify in ${esc(join(sb.cwd, 'clouds.yaml'))} must be true/false, yes/no or 1/0 \\(got "sometimes"\\)$`,
      ),
  },
  {
    name: 'Image API v1',
    env: { ...PW, OS_IMAGE_API_VERSION: '1' },
    message: 'OS_IMAGE_API_VERSION must be 2 (got "1"): glance-harness tests the Image API v2 only',
  },
  {
    name: 'an image API version that is not a number',
    flags: { osImageApiVersion: 'latest' },
    env: PW,
    message: '--os-image-api-version must be 2 (got "latest"): glance-harness tests the Image API v2 only',
  },
  {
    name: 'Keystone v2.0',
    env: { ...PW, OS_IDENTITY_API_VERSION: '2.0' },
    message: 'OS_IDENTITY_API_VERSION must be 3 (got "2.0"): Keystone\'s v2.0 API no longer exists',
  },
  {
    name: 'a timeout that is not a number',
    env: { ...PW, OS_TIMEOUT: 'ten' },
    message: 'OS_TIMEOUT must be a number of seconds, 0 or more (got "ten")',
  },
  {
    name: 'a negative timeout',
    env: PW,
    flags: { timeout: '-1' },
    message: '--timeout must be a number of seconds, 0 or more (got "-1")',
  },
  {
    name: 'a prefix that breaks the naming rule',
    env: { GLANCE_HARNESS_PREFIX: 'GH_prod' },
    message: 'GLANCE_HARNESS_PREFIX must match ^[a-z][a-z0-9-]{0,15}$ (got "GH_prod")',
  },
  {
    name: 'a named cloud and no clouds.yaml anywhere',
    env: { OS_CLOUD: 'prod', OS_CLIENT_CONFIG_FILE: '/nonexistent/clouds.yaml' },
    message: (sb) =>
      new RegExp(
        `^Cloud "prod" was requested by OS_CLOUD, but no clouds\\.yaml was found \\(searched /nonexistent/clouds\\.yaml, ` +
          `then clouds\\.yaml, clouds\\.yml or clouds\\.json in ${esc(sb.cwd)}, ${esc(sb.userDir)}, ${esc(sb.system)}\\)$`,
      ),
  },
  {
    name: 'a cloud name the file does not define',
    flags: { osCloud: 'prd' },
    files: (sb) => {
      sb.write(
        join(sb.userDir, 'clouds.yaml'),
        'clouds:\n  prod: {auth_type: none}\n  staging: {auth_type: none}\n',
      );
      return undefined;
    },
    message: (sb) =>
      new RegExp(
        `^Cloud "prd" \\(from --os-cloud\\) is not defined in ${esc(join(sb.userDir, 'clouds.yaml'))}; ` +
          'clouds defined there: "prod", "staging"$',
      ),
  },
  {
    name: 'a region that is not in the regions list',
    files: (sb) => {
      sb.write(
        join(sb.cwd, 'clouds.yaml'),
        'clouds:\n  c:\n    auth_type: none\n    endpoint_override: http://g\n    regions: [RegionOne, RegionTwo]\n',
      );
      return { OS_CLOUD: 'c', OS_REGION_NAME: 'regionone' };
    },
    message:
      'Region "regionone" (from OS_REGION_NAME) is not a region of cloud "c"; valid regions: RegionOne, RegionTwo ' +
      '(names are case-sensitive)',
  },
  {
    name: 'YAML that does not parse, with a password on the bad line',
    files: (sb) => {
      sb.write(
        join(sb.cwd, 'clouds.yaml'),
        'clouds:\n  c:\n    auth:\n      password: yaml-secret-pw\n     username: x\n',
      );
      return { OS_CLOUD: 'c' };
    },
    message: (sb) =>
      new RegExp(`^Cannot parse ${esc(join(sb.cwd, 'clouds.yaml'))} at line 5, column \\d+: .+$`),
  },
  {
    name: 'duplicate keys in YAML',
    files: (sb) => {
      sb.write(join(sb.system, 'clouds.yml'), 'clouds:\n  c:\n    region_name: a\n    region_name: b\n');
      return undefined;
    },
    message: (sb) =>
      new RegExp(
        `^Cannot parse ${esc(join(sb.system, 'clouds.yml'))} at line 4, column 5: Map keys must be unique$`,
      ),
  },
  {
    name: 'secure.yaml that does not parse',
    files: (sb) => {
      sb.write(join(sb.cwd, 'secure.yaml'), 'clouds: [\n');
      return undefined;
    },
    message: (sb) =>
      new RegExp(`^Cannot parse ${esc(join(sb.cwd, 'secure.yaml'))} at line \\d+, column \\d+: `),
  },
  {
    name: 'clouds: given as a list',
    files: (sb) => {
      sb.write(join(sb.cwd, 'clouds.yaml'), '# my clouds\nclouds:\n  - prod\n');
      return undefined;
    },
    message: (sb) =>
      new RegExp(`^${esc(join(sb.cwd, 'clouds.yaml'))} line 3: clouds must be a mapping \\(got a list\\)$`),
  },
  {
    name: 'a cloud entry that is a string',
    files: (sb) => {
      sb.write(join(sb.cwd, 'clouds.yaml'), 'clouds:\n  prod: yes-please\n');
      return undefined;
    },
    message: (sb) =>
      new RegExp(
        `^${esc(join(sb.cwd, 'clouds.yaml'))} line 2: clouds\\.prod must be a mapping \\(got a string\\)$`,
      ),
  },
  {
    name: 'auth: that is not a mapping',
    files: (sb) => {
      sb.write(join(sb.cwd, 'clouds.yaml'), 'clouds:\n  prod:\n    auth: [a, b]\n');
      return undefined;
    },
    message: (sb) =>
      new RegExp(
        `^${esc(join(sb.cwd, 'clouds.yaml'))} line 3: clouds\\.prod\\.auth must be a mapping \\(got a list\\)$`,
      ),
  },
  {
    name: 'regions: that is not a list',
    files: (sb) => {
      sb.write(join(sb.cwd, 'clouds.yaml'), 'clouds:\n  prod:\n    regions: RegionOne\n');
      return undefined;
    },
    message: (sb) =>
      new RegExp(
        `^${esc(join(sb.cwd, 'clouds.yaml'))} line 3: clouds\\.prod\\.regions must be a list of region names or ` +
          '\\{name, values\\} mappings$',
      ),
  },
  {
    name: 'a regions item without a name',
    files: (sb) => {
      sb.write(
        join(sb.cwd, 'clouds.yaml'),
        'clouds:\n  prod:\n    regions:\n      - RegionOne\n      - values: {interface: internal}\n',
      );
      return undefined;
    },
    message: (sb) =>
      new RegExp(
        `^${esc(join(sb.cwd, 'clouds.yaml'))} line 5: clouds\\.prod\\.regions\\[1\\] must be a region name or a mapping with a name$`,
      ),
  },
  {
    name: 'a password that is a list, without showing it',
    files: (sb) => {
      sb.write(
        join(sb.cwd, 'clouds.yaml'),
        'clouds:\n  c:\n    auth:\n      auth_url: https://ks.test\n      username: u\n      password: [yaml-secret-pw]\n',
      );
      return { OS_CLOUD: 'c' };
    },
    message: (sb) =>
      new RegExp(
        `^auth\\.password in ${esc(join(sb.cwd, 'clouds.yaml'))} must be a single value \\(got a list\\)$`,
      ),
  },
  {
    name: 'a file cloud named envvars while OS_* variables define one',
    env: PW,
    files: (sb) => {
      sb.write(join(sb.cwd, 'clouds.yaml'), 'clouds:\n  envvars: {auth_type: none}\n');
      return undefined;
    },
    message: (sb) =>
      new RegExp(
        `^${esc(join(sb.cwd, 'clouds.yaml'))} defines a cloud named "envvars", which clashes with the cloud built from ` +
          'OS_\\* variables; rename that entry, set OS_CLOUD_NAME to another name, or select a cloud with OS_CLOUD$',
      ),
  },
  {
    name: 'a CA bundle that does not exist',
    env: { ...PW, OS_CACERT: 'missing-ca.pem' },
    message: (sb) =>
      new RegExp(`^OS_CACERT names ${esc(join(sb.cwd, 'missing-ca.pem'))}, which is not a readable file$`),
  },
  {
    name: 'a client key without a certificate',
    files: (sb) => {
      sb.write(join(sb.cwd, 'k.pem'), 'key');
      return { ...PW, OS_KEY: 'k.pem' };
    },
    message: 'OS_KEY is set but no client certificate is: set --os-cert or OS_CERT as well',
  },
];

describe('every configuration error is a one-line ConfigError (exit code 2)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const sb = sandbox();
      const extra = c.files?.(sb) ?? {};
      let caught: unknown;
      try {
        sb.resolve({ ...c.env, ...extra }, c.flags ?? {});
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
      assert.equal(caught.exitCode, ExitCode.Usage);
      assert.equal(caught.exitCode, 2);
      assert.equal(caught.code, 'GH_CONFIG');
      if (typeof c.message === 'string') assert.equal(caught.message, c.message);
      else if (c.message instanceof RegExp) assert.match(caught.message, c.message);
      else assert.match(caught.message, c.message(sb));
      assert.ok(!caught.message.includes('\n'), 'one line');
      for (const secret of SECRETS) assert.ok(!caught.message.includes(secret), `message shows ${secret}`);
    });
  }
});

describe('things that look wrong but are accepted', () => {
  it('a project name with a default-filled domain needs no explicit domain for password auth', () => {
    const cfg = sandbox().resolve(PW);
    assert.equal(cfg.auth.projectDomainId?.value, 'default');
  });

  it('bad values in unused places still fail: a broken clouds.yaml is reported even with an openrc', () => {
    const sb = sandbox();
    sb.write(join(sb.system, 'clouds.yaml'), 'clouds: {\n');
    assert.throws(() => sb.resolve(PW), ConfigError);
  });

  it('an empty clouds.yaml or one without clouds: is no cloud at all', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), '');
    assert.equal(sb.resolve({}).configured, false);
    sb.write(join(sb.cwd, 'clouds.yaml'), 'cache:\n  max_age: 3600\n');
    assert.equal(sb.resolve({}).configured, false);
  });
});
