import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configSettings } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { PRIMARY_ENV as PRIMARY, sandbox } from './helpers.js';

describe('alternate credentials', () => {
  it('are absent when neither OS_ALT_* nor --os-alt-cloud is given', () => {
    assert.equal(sandbox().resolve(PRIMARY).alt, undefined);
  });

  it('take OS_ALT_* and inherit Keystone, domains and region from the primary target', () => {
    const cfg = sandbox().resolve({
      ...PRIMARY,
      OS_ALT_USERNAME: 'demo',
      OS_ALT_PASSWORD: 'demo-secret-2',
      OS_ALT_PROJECT_NAME: 'demo',
    });
    const alt = cfg.alt;
    assert.ok(alt);
    assert.equal(alt.auth.username?.value, 'demo');
    assert.deepEqual(alt.auth.username?.source, { kind: 'env', name: 'OS_ALT_USERNAME' });
    assert.equal(alt.auth.authUrl?.value, PRIMARY.OS_AUTH_URL);
    assert.equal(alt.auth.authUrl?.source.kind, 'derived');
    assert.equal(alt.auth.projectDomainName?.value, 'Default');
    assert.equal(alt.regionName?.value, 'RegionOne');
    assert.equal(cfg.auth.username?.value, 'admin');
  });

  it('are shown by config under alt.* with the password masked', () => {
    const cfg = sandbox().resolve({
      ...PRIMARY,
      OS_ALT_USERNAME: 'demo',
      OS_ALT_PASSWORD: 'demo-secret-2',
      OS_ALT_PROJECT_NAME: 'demo',
    });
    const rows = configSettings(cfg);
    const pw = rows.find((r) => r.key === 'alt.auth.password');
    assert.deepEqual(pw, { key: 'alt.auth.password', value: '***', source: 'env OS_ALT_PASSWORD' });
    assert.ok(!JSON.stringify(rows).includes('demo-secret-2'));
  });

  it('read a clouds.yaml entry named by --os-alt-cloud', () => {
    const sb = sandbox();
    sb.write(
      join(sb.cwd, 'clouds.yaml'),
      `clouds:
  other:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: demo
      password: demo-secret-3
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
`,
    );
    const cfg = sb.resolve(PRIMARY, { osAltCloud: 'other' });
    assert.equal(cfg.alt?.cloud?.value, 'other');
    assert.deepEqual(cfg.alt?.cloud?.source, { kind: 'flag', name: '--os-alt-cloud' });
    assert.equal(cfg.alt?.auth.password?.value, 'demo-secret-3');
  });

  it('name the OS_ALT_ variable that is missing', () => {
    assert.throws(
      () => sandbox().resolve({ ...PRIMARY, OS_ALT_USERNAME: 'demo', OS_ALT_PROJECT_NAME: 'demo' }),
      (err: unknown) => err instanceof ConfigError && /OS_ALT_PASSWORD/.test(err.message),
    );
  });
});
