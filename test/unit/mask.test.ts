import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSecretKey, maskHeaders, maskText, maskUrl } from '../../src/util/mask.js';

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
});
