import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOsloIni } from '../../src/config/oslo-ini.js';
import { InputError } from '../../src/errors.js';

const conf = [
  '[DEFAULT]',
  '# a comment',
  '; another',
  'debug = true',
  'enabled_backends = fast:file, cheap:file',
  '',
  '[database]',
  'connection = mysql+pymysql://glance:s3cret@127.0.0.1/glance # not a comment',
  '',
  '[glance_store]',
  'stores: file,http',
  'default_store=file',
  'filesystem_store_datadir = "/var/lib/glance/images/"',
  'multi = one',
  'multi = two',
  'long = first',
  '    second',
  '\tthird',
  '',
  '[database]',
  'max_retries = 10',
].join('\n');

describe('oslo.config INI parser', () => {
  const ini = parseOsloIni(conf, '/etc/glance/glance-api.conf');

  it('reads = and : separators, keeps inline "#" as part of the value', () => {
    assert.equal(ini.get('DEFAULT', 'debug')?.value, 'true');
    assert.equal(ini.get('glance_store', 'stores')?.value, 'file,http');
    assert.equal(ini.get('glance_store', 'default_store')?.value, 'file');
    assert.equal(
      ini.get('database', 'connection')?.value,
      'mysql+pymysql://glance:s3cret@127.0.0.1/glance # not a comment',
    );
  });

  it('splits on the first separator only', () => {
    assert.equal(ini.get('DEFAULT', 'enabled_backends')?.value, 'fast:file, cheap:file');
  });

  it('gives line numbers, strips quotes, joins continuation lines', () => {
    assert.equal(ini.get('database', 'connection')?.line, 8);
    assert.equal(ini.get('glance_store', 'filesystem_store_datadir')?.value, '/var/lib/glance/images/');
    assert.equal(ini.get('glance_store', 'long')?.value, 'first\nsecond\nthird');
  });

  it('keeps repeated keys in order, the last one effective; merges repeated sections', () => {
    assert.deepEqual(
      ini.getAll('glance_store', 'multi').map((e) => e.value),
      ['one', 'two'],
    );
    assert.equal(ini.get('glance_store', 'multi')?.value, 'two');
    assert.equal(ini.get('database', 'max_retries')?.value, '10');
    assert.equal(ini.hasSection('paste_deploy'), false);
    assert.equal(ini.get('paste_deploy', 'flavor'), undefined);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['no separator', '[DEFAULT]\njust words', /glance-api\.conf:2: no "=" or ":"/],
    ['key before any section', 'debug = true', /:1: "debug" is outside any \[section\]/],
    ['continuation without key', '[DEFAULT]\n  indented', /:2: continuation line without a key/],
    ['empty section name', '[ ]', /:1: empty section name/],
    ['malformed header', '[DEFAULT', /:1: malformed section header/],
    ['empty key', '[DEFAULT]\n= value', /:2: empty key/],
  ];
  for (const [name, text, re] of bad) {
    it(`rejects ${name} with the file and line`, () => {
      assert.throws(
        () => parseOsloIni(text, '/etc/glance/glance-api.conf'),
        (err: unknown) => {
          assert.ok(err instanceof InputError);
          assert.match(err.message, re);
          return true;
        },
      );
    });
  }
});
