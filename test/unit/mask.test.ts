import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isSecretKey,
  MIN_SECRET_LENGTH,
  maskHeaders,
  maskText,
  maskUrl,
  SecretRegistry,
  secretForms,
} from '../../src/util/mask.js';

describe('masking', () => {
  it('masks credential headers whatever their case', () => {
    const out = maskHeaders({ 'X-Auth-Token': 'abc', 'X-Subject-Token': 'def', Accept: 'application/json' });
    assert.deepEqual(out, { 'x-auth-token': '***', 'x-subject-token': '***', accept: 'application/json' });
  });

  it('masks URL passwords (glance-api.conf [database] connection)', () => {
    assert.equal(
      maskUrl('mysql+pymysql://glance:Pa55;word#x@127.0.0.1/glance?charset=utf8'),
      'mysql+pymysql://glance:***@127.0.0.1/glance?charset=utf8',
    );
  });

  it('masks JSON password and secret members and listed secrets', () => {
    const text =
      '{"user":{"name":"admin","password":"hunter22"},"application_credential_secret":"xyz","note":"tok-123456"}';
    const out = maskText(text, ['tok-123456']);
    assert.ok(!out.includes('hunter22'));
    assert.ok(!out.includes('"xyz"'));
    assert.ok(!out.includes('tok-123456'));
    assert.match(out, /"name":"admin"/);
  });

  it('recognises secret setting names', () => {
    for (const k of ['OS_PASSWORD', 'auth.password', 'application_credential_secret', 'OS_TOKEN'])
      assert.ok(isSecretKey(k), k);
    for (const k of ['OS_USERNAME', 'OS_AUTH_URL', 'region_name']) assert.ok(!isSecretKey(k), k);
  });

  it('lists every encoding a secret comes back in', () => {
    const forms = secretForms('p@ss w"rd/é', 'u');
    for (const f of [
      'p@ss w"rd/é',
      'p%40ss%20w%22rd%2F%C3%A9',
      'p%40ss+w%22rd%2F%C3%A9',
      'p@ss w\\"rd/é',
      Buffer.from('p@ss w"rd/é').toString('base64'),
      Buffer.from('u:p@ss w"rd/é').toString('base64'),
    ])
      assert.ok(forms.includes(f), f);
    assert.deepEqual(secretForms('abcd'), ['abcd', 'YWJjZA=='], 'a plain secret: itself and its base64');
  });

  it('masks every form of a listed secret, longest first', () => {
    const secret = 'Pa55 w/rd"x';
    const text = [
      `raw ${secret}`,
      `uri ${encodeURIComponent(secret)}`,
      `form ${new URLSearchParams({ p: secret }).toString()}`,
      `json ${JSON.stringify({ note: secret })}`,
      `b64 ${Buffer.from(secret).toString('base64')}`,
    ].join('\n');
    const out = maskText(text, [secret]);
    for (const f of secretForms(secret)) assert.ok(!out.includes(f), `${f} left in ${out}`);
    assert.equal(out.match(/\*\*\*/g)?.length, 5, out);
  });

  it(`ignores secrets shorter than ${MIN_SECRET_LENGTH} characters`, () => {
    assert.equal(maskText('admin abc', ['abc', 'adm']), 'admin abc');
    const reg = new SecretRegistry();
    reg.add('adm');
    reg.add('');
    reg.add(undefined);
    assert.deepEqual(reg.values(), []);
    assert.equal(reg.scrub('admin'), 'admin');
  });

  it('registry scrubs every form, the Basic form with the user, and every string of a JSON value', () => {
    const reg = new SecretRegistry();
    reg.add('Pa55-Secret-xyz', 'u');
    reg.add('gAAAAAtoken123');
    const basic = Buffer.from('u:Pa55-Secret-xyz').toString('base64');
    assert.equal(reg.scrub(`Authorization: Basic ${basic}`), 'Authorization: Basic ***');
    assert.equal(reg.scrub('password=Pa55-Secret-xyz&x=1'), 'password=***&x=1');
    const doc = {
      n: 3,
      ok: true,
      none: null,
      list: ['gAAAAAtoken123', { deep: `echo ${Buffer.from('Pa55-Secret-xyz').toString('base64')}` }],
      gAAAAAtoken123: 'key too',
    };
    const out = reg.scrubDeep(doc);
    assert.deepEqual(out, {
      n: 3,
      ok: true,
      none: null,
      list: ['***', { deep: 'echo ***' }],
      '***': 'key too',
    });
    assert.equal(doc.list[0], 'gAAAAAtoken123', 'the input is not changed');
    assert.deepEqual(reg.values().sort(), ['Pa55-Secret-xyz', 'gAAAAAtoken123']);
  });
});
