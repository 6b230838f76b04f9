// doctor's swift-store step: the account HEAD with the store's credentials, against a stand-in swift proxy.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseOsloIni } from '../../src/config/oslo-ini.js';
import { lintGlanceConfig, type SwiftRef } from '../../src/doctor/config-lint.js';
import { probeSwift } from '../../src/doctor/swift.js';

const KEY = 'swift-key-not-to-be-seen';

describe('swift store probe', () => {
  let server: Server;
  let base = '';
  let accountStatus = 204;
  before(async () => {
    // tempauth: GET /auth/v1.0 with X-Auth-User/X-Auth-Key; the account answers accountStatus.
    server = createServer((req, res) => {
      if (req.url === '/auth/v1.0') {
        const good = req.headers['x-auth-user'] === 'glance:glance' && req.headers['x-auth-key'] === KEY;
        res.writeHead(
          good ? 200 : 401,
          good ? { 'x-storage-url': `${base}/v1/AUTH_glance`, 'x-auth-token': 'AUTH_tk1' } : {},
        );
        res.end();
        return;
      }
      res.writeHead(req.headers['x-auth-token'] === 'AUTH_tk1' ? accountStatus : 401);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const ref = (over: Partial<SwiftRef> = {}): SwiftRef => ({
    authAddress: `${base}/auth/v1.0`,
    user: 'glance:glance',
    key: KEY,
    authVersion: '1',
    container: 'glance',
    where: 'test [lab]',
    ...over,
  });

  it('a healthy account (204) passes, naming what answered and never the key', async () => {
    accountStatus = 204;
    const r = await probeSwift(ref());
    assert.equal(r.ok, true);
    assert.match(r.evidence, /HEAD http:\/\/127\.0\.0\.1:\d+\/v1\/AUTH_glance → 204 in \d+ ms/);
    assert.ok(!r.evidence.includes(KEY));
  });
  it('the account answering 503 (storage devices unmounted) is swift unavailable', async () => {
    accountStatus = 503;
    const r = await probeSwift(ref());
    assert.deepEqual([r.ok, r.unavailable], [false, true]);
    assert.match(r.evidence, /→ 503 in \d+ ms \(the proxy found no storage node/);
  });
  it('a refused swift proxy is unavailable; refused credentials are not', async () => {
    const refused = await probeSwift(ref({ authAddress: 'http://127.0.0.1:9/auth/v1.0' }));
    assert.deepEqual([refused.ok, refused.unavailable], [false, true]);
    assert.match(refused.evidence, /no answer \(ECONNREFUSED\)/);
    const wrong = await probeSwift(ref({ key: 'wrong' }));
    assert.deepEqual([wrong.ok, wrong.unavailable], [false, false]);
    assert.match(wrong.evidence, /→ 401/);
    assert.ok(!wrong.evidence.includes('wrong'));
  });
  it('says it did not probe a Keystone-authenticated swift (auth_version 3)', async () => {
    const r = await probeSwift(ref({ authVersion: '3' }));
    assert.equal(r.ok, true);
    assert.match(r.evidence, /^not probed: auth_version 3/);
  });

  it('the lint reads the reference of a swift default backend from swift_store_config_file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-swift-'));
    const refs = join(dir, 'glance-swift-store.conf');
    writeFileSync(
      refs,
      `[lab]\nuser = glance:glance\nkey = ${KEY}\nauth_address = ${base}/auth/v1.0\nauth_version = 1\n`,
    );
    const conf = [
      '[DEFAULT]',
      'enabled_backends = fs:file, swift:swift',
      '[glance_store]',
      'default_backend = swift',
      '[fs]',
      `filesystem_store_datadir = ${dir}`,
      '[swift]',
      'swift_store_container = images',
      `swift_store_config_file = ${refs}`,
      'default_swift_reference = lab',
    ].join('\n');
    const facts = lintGlanceConfig(parseOsloIni(conf, 'glance-api.conf'));
    assert.equal(facts.storeKind, 'swift');
    assert.deepEqual(facts.swift, {
      authAddress: `${base}/auth/v1.0`,
      user: 'glance:glance',
      key: KEY,
      authVersion: '1',
      container: 'images',
      where: `${refs} [lab]`,
    });
    const missing = lintGlanceConfig(
      parseOsloIni(conf.replace(refs, join(dir, 'nope.conf')), 'glance-api.conf'),
    );
    assert.equal(missing.swift, undefined);
    assert.ok(
      missing.findings.some((f) => f.id === 'config.swift-reference' && f.message.includes('nope.conf')),
    );
  });
});
