import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseOsloIni } from '../../src/config/oslo-ini.js';
import {
  checkStoreDir,
  DEFAULT_IMAGE_SIZE_CAP,
  type LintHost,
  lintGlanceConfig,
} from '../../src/doctor/config-lint.js';

const work = mkdtempSync(join(tmpdir(), 'gh-lint-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A host whose glance user is a made-up uid in no group, so permission bits decide. */
function host(fstab = ''): LintHost {
  const passwd = join(work, `passwd-${Math.random()}`);
  const group = join(work, `group-${Math.random()}`);
  const fstabFile = join(work, `fstab-${Math.random()}`);
  writeFileSync(
    passwd,
    'root:x:0:0:root:/root:/bin/bash\nglance:x:64061:64061::/var/lib/glance:/usr/sbin/nologin\n',
  );
  writeFileSync(group, 'glance:x:64061:\n');
  writeFileSync(fstabFile, fstab);
  return { passwd, group, fstab: fstabFile, user: 'glance' };
}

const ids = (text: string, h: LintHost = host()): string[] =>
  lintGlanceConfig(parseOsloIni(text, '/etc/glance/glance-api.conf'), h).findings.map((f) => f.id);

describe('glance-api.conf lint', () => {
  it("a Zed multi-store config like the lab's has no error finding", () => {
    const store = join(work, 'store-good');
    mkdirSync(store);
    chmodSync(store, 0o777);
    const text = `[DEFAULT]\nenabled_backends = fs:file, http:http\n[database]\nconnection = mysql+pymysql://glance:x@127.0.0.1/glance\n[keystone_authtoken]\nwww_authenticate_uri = http://127.0.0.1:5000\nauth_url = http://127.0.0.1:5000\nauth_type = password\nusername = glance\npassword = x\nproject_name = service\n[paste_deploy]\nflavor = keystone\n[glance_store]\ndefault_backend = fs\n[fs]\nfilesystem_store_datadir = ${store}\n`;
    const facts = lintGlanceConfig(parseOsloIni(text, 'glance-api.conf'), host());
    assert.deepEqual(facts.findings, []);
    assert.equal(facts.storeKind, 'file');
    assert.deepEqual(facts.storeDirs, [store]);
  });

  it('names a missing [database] connection, incomplete [keystone_authtoken] and no flavor, with line numbers', () => {
    const facts = lintGlanceConfig(
      parseOsloIni(
        '[keystone_authtoken]\nauth_url = http://k:5000\n[paste_deploy]\nflavor = keystone\n',
        '/etc/glance/glance-api.conf',
      ),
      host(),
    );
    const byId = new Map(facts.findings.map((f) => [f.id, f]));
    assert.ok(byId.has('config.database-missing'));
    assert.match(
      byId.get('config.authtoken-incomplete')!.message,
      /missing www_authenticate_uri, auth_type, username, password, project_name/,
    );
    assert.deepEqual(
      ids('[database]\nconnection = mysql+pymysql://g:x@h/glance\n').filter((i) => i === 'config.noauth'),
      ['config.noauth'],
    );
  });

  it('flags the deprecated [glance_store] stores/default_store with their lines and a mysql:// URL without PyMySQL', () => {
    const dir = join(work, 'legacy');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const facts = lintGlanceConfig(
      parseOsloIni(
        `[database]\nconnection = mysql://glance:x@h/glance\n[paste_deploy]\nflavor = keystone+cachemanagement\n[keystone_authtoken]\nauth_uri = http://k:5000\nauth_url = http://k:5000\nauth_type = password\nusername = g\npassword = p\nproject_name = service\n[glance_store]\nstores = file,http\ndefault_store = file\nfilesystem_store_datadir = ${dir}\n`,
        'glance-api.conf',
      ),
      host(),
    );
    const messages = facts.findings.map((f) => `${f.id} ${f.message}`);
    assert.ok(
      messages.some((m) => m.startsWith('config.deprecated glance-api.conf:13 [glance_store] stores')),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.startsWith('config.deprecated glance-api.conf:6 [keystone_authtoken] auth_uri')),
    );
    assert.ok(messages.some((m) => m.startsWith('config.database-driver')));
    assert.ok(
      !messages.some((m) => m.startsWith('config.authtoken-incomplete')),
      'auth_uri stands in for www_authenticate_uri',
    );
  });

  it('names a default_backend missing from enabled_backends and a file backend without a directory', () => {
    assert.ok(
      ids('[DEFAULT]\nenabled_backends = fs:file\n[glance_store]\ndefault_backend = rbd\n').includes(
        'config.store-backend-unknown',
      ),
    );
    assert.ok(
      ids('[DEFAULT]\nenabled_backends = fs:file\n[glance_store]\ndefault_backend = fs\n').includes(
        'config.store-dir-unset',
      ),
    );
    assert.equal(
      lintGlanceConfig(
        parseOsloIni('[DEFAULT]\nenabled_backends = s:swift\n[glance_store]\ndefault_backend = s\n', 'x'),
        host(),
      ).storeKind,
      'swift',
    );
  });
});

describe('image_size_cap and store free space', () => {
  const lint = (text: string) => lintGlanceConfig(parseOsloIni(text, '/etc/glance/glance-api.conf'), host());

  it('[DEFAULT] image_size_cap = 67108864 is 64 MiB, read at its file and line', () => {
    const facts = lint('[DEFAULT]\nbind_port = 9292\nimage_size_cap = 67108864\n');
    assert.deepEqual(facts.imageSizeCap, {
      bytes: 67_108_864,
      where: '/etc/glance/glance-api.conf:3 [DEFAULT] image_size_cap',
    });
    assert.ok(!facts.findings.some((f) => f.id === 'config.invalid-value'));
  });

  it("an unset image_size_cap is Glance's 1 TiB default", () => {
    const facts = lint('[DEFAULT]\nbind_port = 9292\n');
    assert.equal(DEFAULT_IMAGE_SIZE_CAP, 1024 ** 4);
    assert.deepEqual(facts.imageSizeCap, {
      bytes: DEFAULT_IMAGE_SIZE_CAP,
      where: 'unset: the 1 TiB default',
    });
  });

  it('image_size_cap = lots (or 0, negative, fractional, over 2^63) is config.invalid-value, an error naming the line; the default stands', () => {
    const facts = lint('[DEFAULT]\nimage_size_cap = lots\n');
    const bad = facts.findings.filter((f) => f.id === 'config.invalid-value');
    assert.deepEqual(
      bad.map((f) => [f.severity, f.message]),
      [
        [
          'error',
          '/etc/glance/glance-api.conf:2 [DEFAULT] image_size_cap "lots" is not a size in bytes from 1 to 2^63: glance-api will not start',
        ],
      ],
    );
    assert.equal(facts.imageSizeCap.bytes, DEFAULT_IMAGE_SIZE_CAP);
    for (const value of ['0', '-1', '1.5', '9223372036854775809'])
      assert.ok(
        lint(`[DEFAULT]\nimage_size_cap = ${value}\n`).findings.some((f) => f.id === 'config.invalid-value'),
        value,
      );
  });

  it('image_size_cap up to 2^63 (the 8 EiB Glance allows) is valid', () => {
    const facts = lint('[DEFAULT]\nimage_size_cap = 9223372036854775807\n');
    assert.equal(
      facts.findings.some((f) => f.id === 'config.invalid-value'),
      false,
    );
    assert.ok(facts.imageSizeCap.bytes > 2 ** 62);
  });

  it("storeFree has the free bytes of each file store's filesystem, none for a missing directory or a swift store", () => {
    const store = join(work, 'store-free');
    mkdirSync(store);
    chmodSync(store, 0o777);
    const missing = join(work, 'store-gone');
    const facts = lint(
      `[DEFAULT]\nenabled_backends = fs:file, old:file\n[glance_store]\ndefault_backend = fs\n[fs]\nfilesystem_store_datadir = ${store}\n[old]\nfilesystem_store_datadir = ${missing}\n`,
    );
    assert.deepEqual(facts.storeDirs, [store, missing]);
    assert.deepEqual(
      facts.storeFree.map((f) => f.dir),
      [store],
    );
    const st = statfsSync(store);
    assert.ok(facts.storeFree[0]!.bytes > 0);
    assert.ok(facts.storeFree[0]!.bytes <= st.blocks * st.bsize);
    assert.deepEqual(
      lint('[DEFAULT]\nenabled_backends = s:swift\n[glance_store]\ndefault_backend = s\n').storeFree,
      [],
    );
  });
});

describe('store directory checks', () => {
  it('a missing directory is store.dir-missing', () => {
    assert.deepEqual(
      checkStoreDir(join(work, 'nope'), host()).map((f) => f.id),
      ['store.dir-missing'],
    );
  });

  it('a directory not writable by the glance user is store.dir-unwritable', () => {
    const dir = join(work, 'ro');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    const found = checkStoreDir(dir, host());
    assert.deepEqual(
      found.map((f) => f.id),
      ['store.dir-unwritable'],
    );
    assert.match(found[0]!.message, /mode 555/);
  });

  it('a directory owned by the glance user with mode 0700 is writable', () => {
    const dir = join(work, 'own');
    mkdirSync(dir);
    chmodSync(dir, 0o700);
    const me = userInfo();
    const h = host();
    writeFileSync(h.passwd, `glance:x:${me.uid}:${me.gid}::/var/lib/glance:/bin/false\n`);
    assert.deepEqual(checkStoreDir(dir, h), []);
  });

  it('a directory /etc/fstab mounts but that is not a mount point is store.not-mounted', () => {
    const dir = join(work, 'mnt');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const found = checkStoreDir(dir, host(`# store\n/dev/vdb1 ${dir} ext4 defaults 0 2\n`));
    assert.deepEqual(
      found.map((f) => f.id),
      ['store.not-mounted'],
    );
  });

  it('no glance user on the host is a warning, not a guess', () => {
    const dir = join(work, 'nouser');
    mkdirSync(dir);
    const h = host();
    writeFileSync(h.passwd, 'root:x:0:0::/root:/bin/sh\n');
    const found = checkStoreDir(dir, h);
    assert.deepEqual(
      found.map((f) => [f.id, f.severity]),
      [['store.user-unknown', 'warning']],
    );
  });
});
