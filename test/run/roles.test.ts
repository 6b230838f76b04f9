import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readerOnly } from '../../src/run/roles.js';

describe('read-only persona', () => {
  it('is a reader without member or admin, whatever the case of the role names', () => {
    assert.equal(readerOnly('password', ['reader']), 'the roles reader');
    assert.equal(readerOnly('password', ['Reader', 'other']), 'the roles Reader, other');
    assert.equal(readerOnly('password', ['reader', 'member']), undefined);
    assert.equal(readerOnly('password', ['reader', '_member_']), undefined);
    assert.equal(readerOnly('password', ['admin']), undefined);
    assert.equal(readerOnly('password', []), undefined, 'no roles known: not a persona');
    assert.equal(readerOnly('none', ['reader']), undefined, 'without Keystone the run is an admin');
  });
});
