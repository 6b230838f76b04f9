import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RenderedConfig } from '../../src/config/index.js';
import { renderConfig } from '../../src/config/index.js';
import { sandbox } from './helpers.js';

const SECRETS = ['pw-from-secure-yaml', 'flag-password-1', 'app-cred-secret-9', 'gAAAAA-token-value'];

function passwordSandbox() {
  const sb = sandbox();
  const clouds = sb.write(
    join(sb.cwd, 'clouds.yaml'),
    `clouds:
  prod:
    auth:
      auth_url: https://ks.prod.test:5000/v3
      username: ops
      project_name: admin
    region_name: RegionOne
`,
  );
  const secure = sb.write(
    join(sb.cwd, 'secure.yaml'),
    'clouds:\n  prod:\n    auth:\n      password: pw-from-secure-yaml\n',
  );
  return { sb, clouds, secure };
}

describe('renderConfig, text', () => {
  it('shows every source kind and masks the password', () => {
    const { sb, clouds, secure } = passwordSandbox();
    const cfg = sb.resolve(
      { OS_CLOUD: 'prod', OS_DEFAULT_DOMAIN: 'dom1', OS_INTERFACE: 'internal' },
      { timeout: '20' },
    );
    const text = renderConfig(cfg, { json: false });
    const row = (key: string) => text.split('\n').find((line) => line.startsWith(`${key} `)) ?? '';

    assert.match(row('cloud'), /prod\s+env OS_CLOUD$/);
    assert.match(
      row('auth.auth_url'),
      new RegExp(`https://ks\\.prod\\.test:5000/v3\\s+clouds\\.yaml ${clouds} \\(auth\\.auth_url\\)$`),
    );
    assert.match(
      row('auth.password'),
      new RegExp(`\\*\\*\\*\\s+secure\\.yaml ${secure} \\(auth\\.password\\)$`),
    );
    assert.match(row('auth.user_domain_id'), /dom1\s+derived from OS_DEFAULT_DOMAIN$/);
    assert.match(row('auth_type'), /password\s+derived from auth\.username$/);
    assert.match(row('interface'), /internal\s+env OS_INTERFACE$/);
    assert.match(row('harness.timeout_ms'), /20000\s+flag --timeout$/);
    assert.match(row('harness.prefix'), /gh\s+default$/);
    assert.ok(text.includes(`clouds.yaml: ${clouds}`));
    assert.ok(text.includes(`secure.yaml: ${secure}`));
    assert.ok(!text.includes('pw-from-secure-yaml'));
  });

  it('masks a password given as a flag, an application credential secret and a token', () => {
    const sb = sandbox();
    const outputs = [
      sb.resolve(
        { OS_AUTH_URL: 'https://ks.test', OS_USERNAME: 'u', OS_PROJECT_ID: 'p', OS_REGION_NAME: 'R' },
        { osPassword: 'flag-password-1' },
      ),
      sb.resolve({
        OS_AUTH_URL: 'https://ks.test',
        OS_APPLICATION_CREDENTIAL_ID: 'ac',
        OS_APPLICATION_CREDENTIAL_SECRET: 'app-cred-secret-9',
      }),
      sb.resolve({ OS_TOKEN: 'gAAAAA-token-value', OS_ENDPOINT: 'http://g.test' }),
    ].flatMap((cfg) => [renderConfig(cfg, { json: false }), renderConfig(cfg, { json: true })]);
    for (const out of outputs) {
      for (const secret of SECRETS) assert.ok(!out.includes(secret), `output shows ${secret}:\n${out}`);
      assert.ok(out.includes('***'));
    }
  });

  it('masks credentials embedded in a URL', () => {
    const cfg = sandbox().resolve({ OS_AUTH_TYPE: 'none', OS_ENDPOINT: 'http://admin:url-pass@g.test:9292' });
    const text = renderConfig(cfg, { json: false });
    assert.ok(!text.includes('url-pass'));
    assert.ok(text.includes('http://admin:***@g.test:9292'));
  });

  it('lists warnings and says when nothing is configured', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), 'clouds:\n  a: {auth_type: none}\n  b: {auth_type: none}\n');
    const text = renderConfig(sb.resolve({}), { json: false });
    assert.ok(text.startsWith('Not configured: no cloud, auth URL, endpoint or credential was given.\n'));
    assert.match(text, /\nWarnings:\n {2}- 2 clouds are defined \(a, b\)/);
    assert.ok(text.includes('secure.yaml: (none found)'));
  });
});

describe('renderConfig, JSON', () => {
  it('is a stable object: configured, cloud, files, settings [{key, value, source}], warnings', () => {
    const { sb, clouds, secure } = passwordSandbox();
    const cfg = sb.resolve({ OS_CLOUD: 'prod', OS_PASSWORD: 'flag-password-1' });
    const out = renderConfig(cfg, { json: true });
    const doc = JSON.parse(out) as RenderedConfig;
    assert.deepEqual(Object.keys(doc), [
      'configured',
      'cloud',
      'cloudsFile',
      'secureFile',
      'settings',
      'warnings',
    ]);
    assert.equal(doc.configured, true);
    assert.equal(doc.cloud, 'prod');
    assert.equal(doc.cloudsFile, clouds);
    assert.equal(doc.secureFile, secure);
    const byKey = new Map(doc.settings.map((s) => [s.key, s]));
    assert.deepEqual(byKey.get('auth.password'), {
      key: 'auth.password',
      value: '***',
      source: 'env OS_PASSWORD',
    });
    assert.deepEqual(byKey.get('auth.username'), {
      key: 'auth.username',
      value: 'ops',
      source: `clouds.yaml ${clouds} (auth.username)`,
    });
    assert.deepEqual(byKey.get('insecure'), { key: 'insecure', value: false, source: 'default' });
    assert.deepEqual(byKey.get('harness.timeout_ms'), {
      key: 'harness.timeout_ms',
      value: 0,
      source: 'default',
    });
    assert.deepEqual(byKey.get('auth.project_domain_id'), {
      key: 'auth.project_domain_id',
      value: 'default',
      source: 'derived from the default domain ID "default"',
    });
    assert.equal(doc.settings[0]?.key, 'cloud');
    assert.equal(doc.warnings.length, 1);
    assert.match(doc.warnings[0] ?? '', /^OS_PASSWORD overrides auth\.password in /);
    for (const secret of SECRETS) assert.ok(!out.includes(secret));
  });

  it('null cloud and files when nothing is configured', () => {
    const doc = JSON.parse(renderConfig(sandbox().resolve({}), { json: true })) as RenderedConfig;
    assert.equal(doc.configured, false);
    assert.equal(doc.cloud, null);
    assert.equal(doc.cloudsFile, null);
    assert.equal(doc.secureFile, null);
    assert.deepEqual(
      doc.settings.map((s) => s.key),
      [
        'auth_type',
        'interface',
        'insecure',
        'image_api_version',
        'harness.prefix',
        'harness.reports_dir',
        'harness.timeout_ms',
        'harness.hash_algo',
      ],
    );
  });
});
