import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { parseLargeSize } from '../../src/run/large.js';

describe('parseLargeSize', () => {
  it('reads binary and decimal units', () => {
    assert.equal(parseLargeSize('4GiB'), 4 * 2 ** 30);
    assert.equal(parseLargeSize('2GB'), 2e9);
    assert.equal(parseLargeSize('512mib'), 512 * 2 ** 20);
    assert.equal(parseLargeSize('1048576'), 2 ** 20);
  });

  it('refuses junk and tiny sizes with a usage error', () => {
    for (const bad of ['', 'big', '4XB', '-1GiB', '10KiB']) {
      assert.throws(() => parseLargeSize(bad), UsageError, bad);
    }
  });
});
