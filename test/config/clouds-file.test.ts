import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sandbox } from './helpers.js';

/** A cloud whose auth URL says which file it came from. */
const cloudAt = (tag: string, name = 'lab') =>
  `clouds:\n  ${name}:\n    auth_type: none\n    image_endpoint_override: http://${tag}.test:9292\n`;

describe('clouds.yaml search order', () => {
  const places = [
    {
      where: 'OS_CLIENT_CONFIG_FILE',
      path: (sb: ReturnType<typeof sandbox>) => join(sb.root, 'custom', 'my.yaml'),
    },
    { where: 'the working directory', path: (sb: ReturnType<typeof sandbox>) => join(sb.cwd, 'clouds.yaml') },
    {
      where: '~/.config/openstack',
      path: (sb: ReturnType<typeof sandbox>) => join(sb.userDir, 'clouds.yaml'),
    },
    { where: 'the site directory', path: (sb: ReturnType<typeof sandbox>) => join(sb.system, 'clouds.yaml') },
  ];

  for (const [index, place] of places.entries()) {
    it(`${place.where} wins over every later place`, () => {
      const sb = sandbox();
      for (const [i, p] of places.entries()) if (i >= index) sb.write(p.path(sb), cloudAt(`place${i}`));
      const cfg = sb.resolve({ OS_CLOUD: 'lab', OS_CLIENT_CONFIG_FILE: places[0]?.path(sb) });
      assert.equal(cfg.cloudsFile, place.path(sb));
      assert.equal(cfg.endpoint?.value, `http://place${index}.test:9292`);
    });
  }

  it('clouds.yaml, then clouds.yml, then clouds.json in one directory', () => {
    const sb = sandbox();
    sb.write(
      join(sb.cwd, 'clouds.json'),
      JSON.stringify({ clouds: { lab: { auth_type: 'none', endpoint_override: 'http://json.test' } } }),
    );
    assert.equal(sb.resolve({ OS_CLOUD: 'lab' }).endpoint?.value, 'http://json.test');
    sb.write(join(sb.cwd, 'clouds.yml'), cloudAt('yml'));
    assert.equal(sb.resolve({ OS_CLOUD: 'lab' }).endpoint?.value, 'http://yml.test:9292');
    sb.write(join(sb.cwd, 'clouds.yaml'), cloudAt('yaml'));
    assert.equal(sb.resolve({ OS_CLOUD: 'lab' }).cloudsFile, join(sb.cwd, 'clouds.yaml'));
  });

  it('$XDG_CONFIG_HOME/openstack is searched before ~/.config/openstack', () => {
    const sb = sandbox();
    const xdg = join(sb.root, 'xdg');
    sb.write(join(xdg, 'openstack', 'clouds.yaml'), cloudAt('xdg'));
    sb.write(join(sb.userDir, 'clouds.yaml'), cloudAt('home'));
    assert.equal(
      sb.resolve({ OS_CLOUD: 'lab', XDG_CONFIG_HOME: xdg }).endpoint?.value,
      'http://xdg.test:9292',
    );
    assert.equal(sb.resolve({ OS_CLOUD: 'lab' }).endpoint?.value, 'http://home.test:9292');
  });

  it('a relative OS_CLIENT_CONFIG_FILE is taken from the working directory', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'conf', 'mine.yaml'), cloudAt('rel'));
    const cfg = sb.resolve({ OS_CLOUD: 'lab', OS_CLIENT_CONFIG_FILE: 'conf/mine.yaml' });
    assert.equal(cfg.cloudsFile, join(sb.cwd, 'conf', 'mine.yaml'));
  });

  it('an OS_CLIENT_CONFIG_FILE that does not exist is reported and the search goes on', () => {
    const sb = sandbox();
    sb.write(join(sb.system, 'clouds.yaml'), cloudAt('site'));
    const missing = join(sb.root, 'nope.yaml');
    const cfg = sb.resolve({ OS_CLOUD: 'lab', OS_CLIENT_CONFIG_FILE: missing });
    assert.equal(cfg.endpoint?.value, 'http://site.test:9292');
    assert.deepEqual(cfg.warnings, [
      `OS_CLIENT_CONFIG_FILE is ${missing}, which is not a file; searching the usual places instead`,
    ]);
  });
});

describe('cloud selection', () => {
  it('the only cloud of the file is used when none is named', () => {
    const sb = sandbox();
    const path = sb.write(join(sb.cwd, 'clouds.yaml'), cloudAt('only', 'solo'));
    const cfg = sb.resolve({});
    assert.equal(cfg.configured, true);
    assert.deepEqual(cfg.cloud, {
      value: 'solo',
      source: { kind: 'derived', from: `the only cloud in ${path}` },
    });
  });

  it('several clouds and none named: not configured, with a warning naming them', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), `${cloudAt('a', 'one')}  two:\n    auth_type: none\n`);
    const cfg = sb.resolve({});
    assert.equal(cfg.configured, false);
    assert.equal(cfg.cloud, undefined);
    assert.match(
      cfg.warnings[0] ?? '',
      /^2 clouds are defined \(one, two\) in .*clouds\.yaml, but none is selected/,
    );
  });

  it('OS_* credentials without OS_CLOUD form the envvars cloud; the file is not used', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), cloudAt('file', 'solo'));
    const cfg = sb.resolve({ OS_AUTH_URL: 'https://ks.test', OS_TOKEN: 't', OS_PROJECT_ID: 'p' });
    assert.deepEqual(cfg.cloud, { value: 'envvars', source: { kind: 'default' } });
    assert.equal(cfg.endpoint, undefined);
    assert.equal(cfg.authType.value, 'token');
    const renamed = sb.resolve({
      OS_AUTH_URL: 'https://ks.test',
      OS_TOKEN: 't',
      OS_PROJECT_ID: 'p',
      OS_CLOUD_NAME: 'mine',
    });
    assert.deepEqual(renamed.cloud, { value: 'mine', source: { kind: 'env', name: 'OS_CLOUD_NAME' } });
  });

  it('peripheral variables alone (OS_INTERFACE…) do not hide the file cloud; they overlay it', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), cloudAt('file', 'solo'));
    const cfg = sb.resolve({ OS_INTERFACE: 'internal', OS_IDENTITY_API_VERSION: '3' });
    assert.equal(cfg.cloud?.value, 'solo');
    assert.deepEqual(cfg.interface, { value: 'internal', source: { kind: 'env', name: 'OS_INTERFACE' } });
  });

  it('no file and nothing set: not configured, no cloud, no warnings', () => {
    const cfg = sandbox().resolve({});
    assert.equal(cfg.configured, false);
    assert.equal(cfg.cloud, undefined);
    assert.equal(cfg.cloudsFile, undefined);
    assert.deepEqual(cfg.warnings, []);
  });

  it('a vendor profile is reported as not expanded', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), `${cloudAt('p', 'vex')}    profile: vexxhost\n`);
    const cfg = sb.resolve({ OS_CLOUD: 'vex' });
    assert.match(
      cfg.warnings[0] ?? '',
      /^profile in .* names a vendor profile, which glance-harness does not expand/,
    );
  });
});

describe('secure.yaml is merged over clouds.yaml', () => {
  const CLOUDS = `clouds:
  prod:
    auth:
      auth_url: https://ks.prod:5000/v3
      username: ops
      password: from-clouds
      project_name: admin
      user_domain_name: Default
    region_name: RegionOne
`;

  it('keys from both files, the secure one winning, each with its own source', () => {
    const sb = sandbox();
    const clouds = sb.write(join(sb.cwd, 'clouds.yaml'), CLOUDS);
    const secure = sb.write(
      join(sb.system, 'secure.yaml'),
      'clouds:\n  prod:\n    auth:\n      password: from-secure\n',
    );
    const cfg = sb.resolve({ OS_CLOUD: 'prod' });
    assert.equal(cfg.secureFile, secure);
    assert.deepEqual(cfg.auth.password, {
      value: 'from-secure',
      source: { kind: 'secure.yaml', path: secure, key: 'auth.password' },
    });
    assert.deepEqual(cfg.auth.username?.source, { kind: 'clouds.yaml', path: clouds, key: 'auth.username' });
    assert.equal(cfg.auth.projectName?.value, 'admin');
  });

  it('a password kept only in secure.yaml completes the cloud', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), CLOUDS.replace('      password: from-clouds\n', ''));
    sb.write(join(sb.userDir, 'secure.yml'), 'clouds:\n  prod:\n    auth:\n      password: only-secure\n');
    const cfg = sb.resolve({ OS_CLOUD: 'prod' });
    assert.equal(cfg.auth.password?.value, 'only-secure');
    assert.equal(cfg.auth.password?.source.kind, 'secure.yaml');
  });

  it('OS_CLIENT_SECURE_FILE is searched first', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), CLOUDS);
    sb.write(join(sb.cwd, 'secure.yaml'), 'clouds:\n  prod:\n    auth:\n      password: cwd-secure\n');
    const chosen = sb.write(
      join(sb.root, 'vault', 's.yaml'),
      'clouds:\n  prod:\n    auth:\n      password: vault\n',
    );
    const cfg = sb.resolve({ OS_CLOUD: 'prod', OS_CLIENT_SECURE_FILE: chosen });
    assert.equal(cfg.secureFile, chosen);
    assert.equal(cfg.auth.password?.value, 'vault');
  });

  it('secure.yaml may add top-level settings and whole clouds', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), CLOUDS);
    sb.write(
      join(sb.cwd, 'secure.yaml'),
      'clouds:\n  prod:\n    interface: internal\n  hidden:\n    auth_type: none\n    endpoint_override: http://h.test\n',
    );
    assert.equal(sb.resolve({ OS_CLOUD: 'prod' }).interface.value, 'internal');
    assert.equal(sb.resolve({ OS_CLOUD: 'hidden' }).endpoint?.value, 'http://h.test');
  });
});

describe('regions lists', () => {
  const CLOUDS = `clouds:
  multi:
    auth:
      auth_url: https://ks.test/v3
      username: u
      password: p
      project_name: base-project
    interface: public
    regions:
      - RegionOne
      - name: RegionTwo
        values:
          interface: internalURL
          auth:
            project_name: two-project
`;

  it('without a region name the first region of the list is used', () => {
    const sb = sandbox();
    const path = sb.write(join(sb.cwd, 'clouds.yaml'), CLOUDS);
    const cfg = sb.resolve({ OS_CLOUD: 'multi' });
    assert.deepEqual(cfg.regionName, {
      value: 'RegionOne',
      source: { kind: 'clouds.yaml', path, key: 'regions[0]' },
    });
    assert.equal(cfg.interface.value, 'public');
    assert.equal(cfg.auth.projectName?.value, 'base-project');
  });

  it("a named region's values override the cloud's settings", () => {
    const sb = sandbox();
    const path = sb.write(join(sb.cwd, 'clouds.yaml'), CLOUDS);
    const cfg = sb.resolve({ OS_CLOUD: 'multi', OS_REGION_NAME: 'RegionTwo' });
    assert.deepEqual(cfg.regionName, { value: 'RegionTwo', source: { kind: 'env', name: 'OS_REGION_NAME' } });
    assert.deepEqual(cfg.interface, {
      value: 'internal',
      source: { kind: 'clouds.yaml', path, key: 'regions[1].values.interface' },
    });
    assert.equal(cfg.auth.projectName?.value, 'two-project');
  });

  it('region_name in the file picks from the list too', () => {
    const sb = sandbox();
    sb.write(
      join(sb.cwd, 'clouds.yaml'),
      CLOUDS.replace('    interface: public\n', '    region_name: RegionTwo\n'),
    );
    assert.equal(sb.resolve({ OS_CLOUD: 'multi' }).auth.projectName?.value, 'two-project');
  });

  it('env still beats region values', () => {
    const sb = sandbox();
    sb.write(join(sb.cwd, 'clouds.yaml'), CLOUDS);
    const cfg = sb.resolve({ OS_CLOUD: 'multi', OS_REGION_NAME: 'RegionTwo', OS_INTERFACE: 'admin' });
    assert.equal(cfg.interface.value, 'admin');
  });
});

describe('file values keep their written form', () => {
  it('numbers, booleans and numeric-looking IDs', () => {
    const sb = sandbox();
    sb.write(
      join(sb.cwd, 'clouds.yaml'),
      `clouds:
  c:
    auth:
      auth_url: https://ks.test
      user_id: 00042
      password: 1234
      project_id: 0123
    api_timeout: 12.5
    verify: false
    identity_api_version: 3
    image_api_version: 2
`,
    );
    const cfg = sb.resolve({ OS_CLOUD: 'c' });
    assert.equal(cfg.auth.userId?.value, '00042');
    assert.equal(cfg.auth.password?.value, '1234');
    assert.equal(cfg.auth.projectId?.value, '0123');
    assert.equal(cfg.harness.timeoutMs.value, 12_500);
    assert.deepEqual(cfg.tls.insecure.value, true);
    assert.equal(cfg.tls.insecure.source.kind, 'clouds.yaml');
    assert.equal(cfg.imageApiVersion.source.kind, 'clouds.yaml');
  });

  it('top-level auth options beat the auth: mapping, as openstacksdk prefers them', () => {
    const sb = sandbox();
    sb.write(
      join(sb.cwd, 'clouds.yaml'),
      'clouds:\n  c:\n    project_name: top\n    auth:\n      auth_url: https://ks.test\n      token: t\n      project_name: nested\n      project_domain_id: default\n',
    );
    const cfg = sb.resolve({ OS_CLOUD: 'c' });
    assert.equal(cfg.auth.projectName?.value, 'top');
    assert.equal(
      cfg.auth.projectName?.source.kind === 'clouds.yaml' && cfg.auth.projectName.source.key,
      'project_name',
    );
  });

  it('YAML anchors and aliases are followed', () => {
    const sb = sandbox();
    sb.write(
      join(sb.cwd, 'clouds.yaml'),
      'clouds:\n  a:\n    auth_type: none\n    image_endpoint_override: &ep http://shared.test\n  b:\n    auth_type: none\n    image_endpoint_override: *ep\n',
    );
    assert.equal(sb.resolve({ OS_CLOUD: 'b' }).endpoint?.value, 'http://shared.test');
  });
});
