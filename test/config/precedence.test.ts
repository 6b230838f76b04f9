import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ConfigFlags, ResolvedConfig, Source, Sourced } from '../../src/config/index.js';
import { sandbox } from './helpers.js';

const CLOUDS = `
clouds:
  c1:
    auth:
      auth_url: https://file.test:5000
      username: file-user
      password: file-pass
      project_name: file-project
      user_domain_name: FileDomain
    region_name: FileRegion
    interface: admin
    api_timeout: 7
    image_endpoint_override: https://glance-file.test:9292
`;

interface KeyCase {
  readonly name: string;
  readonly flag: ConfigFlags;
  readonly env: Record<string, string>;
  readonly get: (cfg: ResolvedConfig) => Sourced<unknown> | undefined;
  readonly values: { readonly flag: unknown; readonly env: unknown; readonly file: unknown };
  readonly fileKey: string;
}

const KEYS: readonly KeyCase[] = [
  {
    name: 'auth URL',
    flag: { osAuthUrl: 'https://flag.test/v3' },
    env: { OS_AUTH_URL: 'https://env.test/v3' },
    get: (c) => c.auth.authUrl,
    values: { flag: 'https://flag.test/v3', env: 'https://env.test/v3', file: 'https://file.test:5000' },
    fileKey: 'auth.auth_url',
  },
  {
    name: 'username',
    flag: { osUsername: 'flag-user' },
    env: { OS_USERNAME: 'env-user' },
    get: (c) => c.auth.username,
    values: { flag: 'flag-user', env: 'env-user', file: 'file-user' },
    fileKey: 'auth.username',
  },
  {
    name: 'project name',
    flag: { osProjectName: 'flag-project' },
    env: { OS_PROJECT_NAME: 'env-project' },
    get: (c) => c.auth.projectName,
    values: { flag: 'flag-project', env: 'env-project', file: 'file-project' },
    fileKey: 'auth.project_name',
  },
  {
    name: 'user domain name',
    flag: { osUserDomainName: 'FlagDomain' },
    env: { OS_USER_DOMAIN_NAME: 'EnvDomain' },
    get: (c) => c.auth.userDomainName,
    values: { flag: 'FlagDomain', env: 'EnvDomain', file: 'FileDomain' },
    fileKey: 'auth.user_domain_name',
  },
  {
    name: 'region',
    flag: { osRegionName: 'FlagRegion' },
    env: { OS_REGION_NAME: 'EnvRegion' },
    get: (c) => c.regionName,
    values: { flag: 'FlagRegion', env: 'EnvRegion', file: 'FileRegion' },
    fileKey: 'region_name',
  },
  {
    name: 'interface',
    flag: { osInterface: 'public' },
    env: { OS_INTERFACE: 'internal' },
    get: (c) => c.interface,
    values: { flag: 'public', env: 'internal', file: 'admin' },
    fileKey: 'interface',
  },
  {
    name: 'timeout',
    flag: { timeout: '30' },
    env: { OS_TIMEOUT: '2.5' },
    get: (c) => c.harness.timeoutMs,
    values: { flag: 30_000, env: 2_500, file: 7_000 },
    fileKey: 'api_timeout',
  },
  {
    name: 'image endpoint override',
    flag: { endpoint: 'https://glance-flag.test' },
    env: { OS_IMAGE_ENDPOINT_OVERRIDE: 'https://glance-env.test' },
    get: (c) => c.endpoint,
    values: {
      flag: 'https://glance-flag.test',
      env: 'https://glance-env.test',
      file: 'https://glance-file.test:9292',
    },
    fileKey: 'image_endpoint_override',
  },
];

describe('precedence: flag > OS_* env > clouds.yaml > default', () => {
  const sb = sandbox();
  const cloudsPath = sb.write(join(sb.cwd, 'clouds.yaml'), CLOUDS);
  const layers = [
    { label: 'flag, env and file all set: the flag wins', useFlag: true, useEnv: true, expect: 'flag' },
    { label: 'env and file set: the env wins', useFlag: false, useEnv: true, expect: 'env' },
    { label: 'flag and file set: the flag wins', useFlag: true, useEnv: false, expect: 'flag' },
    { label: 'only the file sets it: the file value', useFlag: false, useEnv: false, expect: 'file' },
  ] as const;

  for (const key of KEYS) {
    for (const layer of layers) {
      it(`${key.name}: ${layer.label}`, () => {
        const cfg = sb.resolve(
          { OS_CLOUD: 'c1', ...(layer.useEnv ? key.env : {}) },
          layer.useFlag ? key.flag : {},
        );
        const got = key.get(cfg);
        assert.equal(got?.value, key.values[layer.expect]);
        const expected: Source =
          layer.expect === 'flag'
            ? { kind: 'flag', name: got?.source.kind === 'flag' ? got.source.name : '?' }
            : layer.expect === 'env'
              ? { kind: 'env', name: Object.keys(key.env)[0] ?? '?' }
              : { kind: 'clouds.yaml', path: cloudsPath, key: key.fileKey };
        assert.deepEqual(got?.source, expected);
        if (layer.expect === 'flag') assert.match(got?.source.kind === 'flag' ? got.source.name : '', /^--/);
      });
    }
  }

  it('flag names in sources are the flags as typed', () => {
    const cfg = sb.resolve({ OS_CLOUD: 'c1' }, { osAuthUrl: 'https://flag.test', authType: 'v3password' });
    assert.deepEqual(cfg.auth.authUrl?.source, { kind: 'flag', name: '--os-auth-url' });
    assert.deepEqual(cfg.authType.source, { kind: 'flag', name: '--auth-type' });
  });

  it('defaults apply when no layer sets a value', () => {
    const empty = sandbox();
    const cfg = empty.resolve({ OS_AUTH_URL: 'https://ks.test', OS_TOKEN: 'tok', OS_PROJECT_ID: 'p1' });
    assert.deepEqual(cfg.interface, { value: 'public', source: { kind: 'default' } });
    assert.deepEqual(cfg.harness.timeoutMs, { value: 0, source: { kind: 'default' } });
    assert.deepEqual(cfg.harness.prefix, { value: 'gh', source: { kind: 'default' } });
    assert.deepEqual(cfg.harness.reportsDir, {
      value: join(empty.cwd, 'reports'),
      source: { kind: 'default' },
    });
    assert.deepEqual(cfg.tls.insecure, { value: false, source: { kind: 'default' } });
    assert.deepEqual(cfg.imageApiVersion, { value: '2', source: { kind: 'default' } });
    assert.equal(cfg.regionName, undefined);
    assert.equal(cfg.endpoint, undefined);
  });

  it('harness settings come from flags, then GLANCE_HARNESS_* variables', () => {
    const s = sandbox();
    const env = { GLANCE_HARNESS_PREFIX: 'ci-7', GLANCE_HARNESS_REPORTS_DIR: 'out/reports' };
    const fromEnv = s.resolve(env);
    assert.deepEqual(fromEnv.harness.prefix, {
      value: 'ci-7',
      source: { kind: 'env', name: 'GLANCE_HARNESS_PREFIX' },
    });
    assert.equal(fromEnv.harness.reportsDir.value, join(s.cwd, 'out', 'reports'));
    const fromFlag = s.resolve(env, { prefix: 'nightly', reportsDir: '/abs/reports' });
    assert.deepEqual(fromFlag.harness.prefix, {
      value: 'nightly',
      source: { kind: 'flag', name: '--prefix' },
    });
    assert.equal(fromFlag.harness.reportsDir.value, '/abs/reports');
  });

  it('an empty variable counts as unset, as an openrc `export OS_X=""` means', () => {
    const cfg = sb.resolve({ OS_CLOUD: 'c1', OS_AUTH_URL: '', OS_REGION_NAME: '' });
    assert.equal(cfg.auth.authUrl?.value, 'https://file.test:5000');
    assert.equal(cfg.regionName?.value, 'FileRegion');
  });

  it('OS_TEST*, OS_STD* and OS_LOG* variables are ignored', () => {
    const s = sandbox();
    const cfg = s.resolve({ OS_TEST_TIMEOUT: '60', OS_STDOUT_CAPTURE: '1', OS_LOG_CAPTURE: '1' });
    assert.equal(cfg.configured, false);
    assert.equal(cfg.cloud, undefined);
    assert.deepEqual(cfg.warnings, []);
  });
});

describe('the environment overrides a named cloud, with a warning', () => {
  const sb = sandbox();
  const cloudsPath = sb.write(join(sb.cwd, 'clouds.yaml'), CLOUDS);

  it('a stale OS_PASSWORD wins over the cloud entry and is reported without its value', () => {
    const cfg = sb.resolve({ OS_CLOUD: 'c1', OS_PASSWORD: 'stale-secret' });
    assert.deepEqual(cfg.auth.password, {
      value: 'stale-secret',
      source: { kind: 'env', name: 'OS_PASSWORD' },
    });
    const warning = cfg.warnings.find((w) => w.startsWith('OS_PASSWORD overrides'));
    assert.ok(warning, `warnings: ${cfg.warnings.join(' | ')}`);
    assert.match(
      warning,
      new RegExp(`auth\\.password in ${cloudsPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
    assert.match(warning, /cloud "c1"/);
    assert.ok(!cfg.warnings.join('\n').includes('stale-secret'));
    assert.ok(!cfg.warnings.join('\n').includes('file-pass'));
  });

  it('a variable the cloud entry lacks is reported as added', () => {
    const cfg = sb.resolve({ OS_CLOUD: 'c1', OS_PROJECT_ID: 'p-from-openrc' });
    assert.equal(cfg.auth.projectId?.value, 'p-from-openrc');
    assert.ok(
      cfg.warnings.some((w) => w.startsWith('OS_PROJECT_ID from the environment is added to cloud "c1"')),
    );
  });

  it('no warning when the variable repeats the file value, or for selectors such as OS_REGION_NAME', () => {
    const cfg = sb.resolve({ OS_CLOUD: 'c1', OS_USERNAME: 'file-user', OS_REGION_NAME: 'Other' });
    assert.deepEqual(cfg.warnings, []);
    assert.equal(cfg.regionName?.value, 'Other');
  });

  it('flags override silently: they are deliberate', () => {
    const cfg = sb.resolve({ OS_CLOUD: 'c1' }, { osPassword: 'typed-now', osProjectName: 'other' });
    assert.equal(cfg.auth.password?.value, 'typed-now');
    assert.equal(cfg.auth.projectName?.value, 'other');
    assert.deepEqual(cfg.warnings, []);
  });

  it('--os-cloud beats OS_CLOUD', () => {
    const two = sandbox();
    two.write(
      join(two.cwd, 'clouds.yaml'),
      `${CLOUDS}  c2:\n    auth_type: none\n    image_endpoint_override: http://g2.test\n`,
    );
    const cfg = two.resolve({ OS_CLOUD: 'c1' }, { osCloud: 'c2' });
    assert.deepEqual(cfg.cloud, { value: 'c2', source: { kind: 'flag', name: '--os-cloud' } });
    assert.equal(cfg.authType.value, 'none');
  });
});
