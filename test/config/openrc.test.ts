import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ResolvedConfig } from '../../src/config/index.js';
import type { Sandbox } from './helpers.js';
import { sandbox, valuesOf } from './helpers.js';

/** What a client acts on: everything but the cloud's name, the file paths and the sources. */
function effective(cfg: ResolvedConfig): Record<string, unknown> {
  const { cloud: _c, cloudsFile: _f, secureFile: _s, ...rest } = valuesOf(cfg);
  return rest;
}

/** Parse the `export OS_X=...` lines of an openrc the way a shell would for these simple files. */
function sourceOpenrc(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export (\w+)=(?:"([^"]*)"|(\S*))$/.exec(line.trim());
    if (m?.[1] !== undefined) env[m[1]] = m[2] ?? m[3] ?? '';
    const unset = /^unset (\w+)$/.exec(line.trim());
    if (unset?.[1] !== undefined) delete env[unset[1]];
  }
  return env;
}

function both(sb: Sandbox, openrc: string, clouds: string, cloud: string) {
  const fromEnv = sb.resolve(sourceOpenrc(openrc));
  sb.write(join(sb.cwd, 'clouds.yaml'), clouds);
  const fromFile = sb.resolve({ OS_CLOUD: cloud });
  return { fromEnv, fromFile };
}

describe('an openrc and the equivalent clouds.yaml resolve to the same values', () => {
  it('Horizon password openrc', () => {
    const openrc = `#!/usr/bin/env bash
export OS_AUTH_URL=https://keystone.example.test:5000/v3
export OS_PROJECT_ID=0f3c6a1e2b7d4c59a8e1d2c3b4a59687
export OS_PROJECT_NAME="demo"
export OS_USER_DOMAIN_NAME="Default"
unset OS_TENANT_ID
unset OS_TENANT_NAME
export OS_USERNAME="alice"
export OS_PASSWORD="correct horse battery"
export OS_REGION_NAME="RegionOne"
export OS_INTERFACE=public
export OS_IDENTITY_API_VERSION=3
`;
    const clouds = `clouds:
  openstack:
    auth:
      auth_url: https://keystone.example.test:5000/v3
      username: "alice"
      password: "correct horse battery"
      project_id: 0f3c6a1e2b7d4c59a8e1d2c3b4a59687
      project_name: "demo"
      user_domain_name: "Default"
    region_name: "RegionOne"
    interface: "public"
    identity_api_version: 3
`;
    const { fromEnv, fromFile } = both(sandbox(), openrc, clouds, 'openstack');
    assert.deepEqual(effective(fromFile), effective(fromEnv));
    assert.equal(fromEnv.auth.password?.value, 'correct horse battery');
    assert.equal(fromEnv.auth.projectDomainId?.value, 'default');
    assert.equal(fromEnv.auth.password?.source.kind, 'env');
    assert.equal(fromFile.auth.password?.source.kind, 'clouds.yaml');
    assert.deepEqual(fromEnv.warnings, []);
    assert.deepEqual(fromFile.warnings, []);
  });

  it('Horizon application-credential openrc', () => {
    const openrc = `export OS_AUTH_TYPE=v3applicationcredential
export OS_AUTH_URL=https://keystone.example.test:5000
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME="RegionOne"
export OS_INTERFACE=internal
export OS_APPLICATION_CREDENTIAL_ID=6cb5fa6a13184e6fab65ba2108adf50c
export OS_APPLICATION_CREDENTIAL_SECRET=glance-ci-secret
`;
    const clouds = `clouds:
  openstack:
    auth:
      auth_url: https://keystone.example.test:5000
      application_credential_id: "6cb5fa6a13184e6fab65ba2108adf50c"
      application_credential_secret: "glance-ci-secret"
    region_name: "RegionOne"
    interface: "internal"
    identity_api_version: 3
    auth_type: "v3applicationcredential"
`;
    const { fromEnv, fromFile } = both(sandbox(), openrc, clouds, 'openstack');
    assert.deepEqual(effective(fromFile), effective(fromEnv));
    assert.equal(fromEnv.authType.value, 'v3applicationcredential');
    assert.equal(fromEnv.interface.value, 'internal');
  });

  it('an old openrc with tenant variables and no domains, and its clouds.yaml twin', () => {
    const openrc = `export OS_AUTH_URL=http://controller:5000/v3
export OS_TENANT_NAME=admin
export OS_USERNAME=admin
export OS_PASSWORD=secret
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=internalURL
export OS_CACERT=
`;
    const clouds = `clouds:
  old:
    auth:
      auth_url: http://controller:5000/v3
      tenant_name: admin
      username: admin
      password: secret
    region_name: RegionOne
    endpoint_type: internalURL
`;
    const { fromEnv, fromFile } = both(sandbox(), openrc, clouds, 'old');
    assert.deepEqual(effective(fromFile), effective(fromEnv));
    assert.equal(fromFile.auth.projectName?.value, 'admin');
    assert.equal(fromFile.auth.userDomainId?.value, 'default');
    assert.equal(fromFile.interface.value, 'internal');
  });
});
