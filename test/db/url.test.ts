import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskDbUrl, parseDbUrl } from '../../src/db/url.js';
import { ConfigError } from '../../src/errors.js';

const SECRET = 's3cr3t-pw';

function bad(url: string, pattern: RegExp): void {
  assert.throws(
    () => parseDbUrl(url, '--db'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `ConfigError for ${url}`);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), 'one line');
      assert.ok(!err.message.includes(SECRET), `password printed: ${err.message}`);
      assert.match(err.message, /^--db/);
      return true;
    },
  );
}

describe('parseDbUrl', () => {
  it('reads mysql://user:pass@host:port/glance', () => {
    const s = parseDbUrl(`mysql://glance_ro:${SECRET}@127.0.0.1:3307/glance`, '--db');
    assert.equal(s.user, 'glance_ro');
    assert.equal(s.password, SECRET);
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.port, 3307);
    assert.equal(s.database, 'glance');
    assert.equal(s.tls, undefined);
    assert.equal(s.display, 'mysql://glance_ro:***@127.0.0.1:3307/glance');
  });

  it("reads oslo.db's mysql+pymysql://… without a port (3306) and with charset", () => {
    const s = parseDbUrl(`mysql+pymysql://glance:${SECRET}@controller/glance?charset=utf8`, 'x');
    assert.equal(s.scheme, 'mysql+pymysql');
    assert.equal(s.host, 'controller');
    assert.equal(s.port, 3306);
    assert.equal(s.charset, 'utf8');
    assert.ok(!s.display.includes(SECRET));
  });

  it('accepts the other MySQL drivers and mariadb://', () => {
    for (const scheme of ['mysql+mysqldb', 'mysql+mysqlconnector', 'mariadb', 'mariadb+pymysql']) {
      assert.equal(parseDbUrl(`${scheme}://u:p@h/glance`, 'x').scheme, scheme);
    }
  });

  it('decodes %-escaped user and password, and a raw @ in the password (last @ wins)', () => {
    assert.equal(parseDbUrl('mysql://gl%40nce:p%2Fw%3Ad@h/glance', 'x').user, 'gl@nce');
    assert.equal(parseDbUrl('mysql://glance:p%2Fw%3Ad@h/glance', 'x').password, 'p/w:d');
    const raw = parseDbUrl('mysql://glance:p@ss:w?rd@db.example/glance', 'x');
    assert.equal(raw.password, 'p@ss:w?rd');
    assert.equal(raw.host, 'db.example');
    assert.equal(raw.display, 'mysql://glance:***@db.example/glance');
  });

  it('reads a user without a password', () => {
    const s = parseDbUrl('mysql://reader@h/glance', 'x');
    assert.equal(s.password, undefined);
    assert.equal(s.display, 'mysql://reader@h/glance');
  });

  it('reads an IPv6 host in brackets, with and without a port', () => {
    assert.deepEqual(
      [
        parseDbUrl('mysql://u:p@[::1]:3310/glance', 'x').host,
        parseDbUrl('mysql://u:p@[::1]:3310/glance', 'x').port,
      ],
      ['::1', 3310],
    );
    assert.equal(parseDbUrl('mysql://u:p@[fd00::5]/glance', 'x').host, 'fd00::5');
  });

  it('reads unix_socket with or without a host', () => {
    const s = parseDbUrl('mysql+pymysql://glance:p@/glance?unix_socket=/run/mysqld/mysqld.sock', 'x');
    assert.equal(s.socketPath, '/run/mysqld/mysqld.sock');
    assert.equal(s.host, undefined);
    const t = parseDbUrl(
      'mysql+pymysql://glance:p@localhost/glance?unix_socket=%2Fvar%2Frun%2Fmysqld.sock&charset=utf8mb4',
      'x',
    );
    assert.equal(t.socketPath, '/var/run/mysqld.sock');
    assert.equal(t.charset, 'utf8mb4');
  });

  it('reads PyMySQL TLS options: ssl_ca (verifies), ssl_cert and ssl_key, ssl_verify_cert=false', () => {
    const s = parseDbUrl(
      'mysql+pymysql://u:p@db/glance?ssl_ca=/etc/ca.pem&ssl_cert=/c.pem&ssl_key=/k.pem',
      'x',
    );
    assert.deepEqual(s.tls, { ca: '/etc/ca.pem', cert: '/c.pem', key: '/k.pem', verify: true });
    const t = parseDbUrl('mysql+pymysql://u:p@db/glance?ssl_ca=/ca.pem&ssl_verify_cert=false', 'x');
    assert.equal(t.tls?.verify, false);
    assert.equal(
      parseDbUrl('mysql://u:p@db/glance?ssl_check_hostname=false&ssl=true', 'x').tls?.verify,
      false,
    );
  });

  it('reads ssl_mode as mysqlclient spells it', () => {
    assert.equal(parseDbUrl('mysql://u:p@db/glance?ssl_mode=REQUIRED', 'x').tls?.verify, false);
    assert.equal(parseDbUrl('mysql://u:p@db/glance?ssl_mode=VERIFY_IDENTITY', 'x').tls?.verify, true);
    assert.equal(parseDbUrl('mysql://u:p@db/glance?ssl_mode=DISABLED', 'x').tls, undefined);
    assert.equal(parseDbUrl('mysql://u:p@db/glance?ssl_mode=PREFERRED', 'x').tls?.preferred, true);
    assert.equal(parseDbUrl('mysql://u:p@db/glance?ssl_mode=REQUIRED', 'x').tls?.preferred, undefined);
  });

  it('keeps connect_timeout and reports options it does not use (devstack plugin=dbcounter)', () => {
    const s = parseDbUrl(
      'mysql+pymysql://u:p@h/glance?charset=utf8&plugin=dbcounter&connect_timeout=2.5',
      'x',
    );
    assert.deepEqual(s.ignoredOptions, ['plugin']);
    assert.equal(s.connectTimeoutMs, 2500);
  });

  it('rejects bad strings with one line, exit 2, naming the setting, never the password', () => {
    bad('', /is empty/);
    bad(`glance:${SECRET}@localhost/glance`, /not a database URL/);
    bad(`sqlite:///var/lib/glance/glance.sqlite`, /sqlite is not supported/);
    bad(`postgresql://glance:${SECRET}@db/glance`, /postgresql is not supported/);
    bad(`http://glance:${SECRET}@db/glance`, /unknown scheme "http"/);
    bad(`mysql://:${SECRET}@db/glance`, /no user name/);
    bad(`mysql://glance:${SECRET}@db:99999/glance`, /port "99999"/);
    bad(`mysql://glance:${SECRET}@db:abc/glance`, /port "abc"/);
    bad(`mysql://glance:${SECRET}@db`, /no database name/);
    bad(`mysql://glance:${SECRET}@db/`, /no database name/);
    bad(`mysql://glance:${SECRET}@/glance`, /no host and no unix_socket/);
    bad(`mysql://glance:${SECRET}@[::1/glance`, /closing "]"/);
    bad(`mysql://glance:${SECRET}@db/glance?unix_socket=run/x.sock`, /absolute path/);
    bad(`mysql://glance:${SECRET}@db/glance?ssl_mode=SOMETIMES`, /ssl_mode must be one of/);
    bad(`mysql://glance:${SECRET}@db/glance?ssl_verify_cert=maybe`, /true or false/);
    bad(`mysql://glance:${SECRET}@db/glance?ssl_capath=/etc/ssl`, /unknown TLS option "ssl_capath"/);
    bad(`mysql://glance:${SECRET}@db/glance?ssl_key=/k.pem`, /ssl_key is set without ssl_cert/);
    bad(`mysql://glance:${SECRET}@db/glance?connect_timeout=soon`, /connect_timeout/);
    bad(`mysql://gl%zznce:${SECRET}@db/glance`, /malformed %-escape/);
  });

  it('names a glance-api.conf line in errors', () => {
    assert.throws(
      () => parseDbUrl('mysql://glance:pw@db', '/etc/glance/glance-api.conf:11 [database] connection'),
      /^ConfigError: \/etc\/glance\/glance-api\.conf:11 \[database\] connection: no database name/,
    );
  });
});

describe('maskDbUrl', () => {
  it('hides the password, also in malformed strings', () => {
    assert.equal(
      maskDbUrl(`mysql+pymysql://glance:${SECRET}@h/glance?charset=utf8`),
      'mysql+pymysql://glance:***@h/glance?charset=utf8',
    );
    assert.ok(!maskDbUrl(`glance:${SECRET}@h/glance`).includes(SECRET));
    assert.ok(!maskDbUrl(`mysql://glance:pa@${SECRET}@h/glance`).includes(SECRET));
    assert.equal(maskDbUrl('mysql://reader@h/glance'), 'mysql://reader@h/glance');
  });
});
