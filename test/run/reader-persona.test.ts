import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configSettings } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { parseExpectations } from '../../src/run/expectations.js';
import { PRIMARY_ENV as PRIMARY, sandbox } from '../config/helpers.js';

describe('reader persona', () => {
  it('is absent when neither OS_READER_* nor --os-reader-cloud is given', () => {
    assert.equal(sandbox().resolve(PRIMARY).reader, undefined);
  });

  it('takes OS_READER_* and inherits Keystone and domains from the primary target, apart from alt', () => {
    const cfg = sandbox().resolve({
      ...PRIMARY,
      OS_ALT_USERNAME: 'demo',
      OS_ALT_PASSWORD: 'demo-secret-2',
      OS_ALT_PROJECT_NAME: 'demo',
      OS_READER_USERNAME: 'sec-reader',
      OS_READER_PASSWORD: 'reader-secret-3',
      OS_READER_PROJECT_NAME: 'demo',
    });
    assert.equal(cfg.reader?.auth.username?.value, 'sec-reader');
    assert.deepEqual(cfg.reader?.auth.username?.source, { kind: 'env', name: 'OS_READER_USERNAME' });
    assert.equal(cfg.reader?.auth.authUrl?.value, PRIMARY.OS_AUTH_URL);
    assert.equal(cfg.reader?.cloud?.value, 'reader-envvars');
    assert.equal(cfg.alt?.auth.username?.value, 'demo');
    const rows = configSettings(cfg).filter((r) => r.key.startsWith('reader.'));
    assert.ok(rows.some((r) => r.key === 'reader.auth.username'));
    assert.ok(!JSON.stringify(rows).includes('reader-secret-3'), 'the reader password is never shown');
  });

  it('names OS_READER_* in a configuration error', () => {
    assert.throws(
      () =>
        sandbox().resolve({ ...PRIMARY, OS_READER_USERNAME: 'sec-reader', OS_READER_PROJECT_NAME: 'demo' }),
      (err: unknown) => err instanceof ConfigError && /Reader credentials \(OS_READER_\*/.test(err.message),
    );
  });
});

describe('newest lab known failures', () => {
  it('parse as an --expect-failures file', () => {
    const file = new URL('../lab/newest-known-failures.yaml', import.meta.url);
    const entries = parseExpectations(readFileSync(file, 'utf8'), file.pathname);
    assert.deepEqual(
      entries.map((e) => e.id),
      ['security.format.refused-upload-state'],
    );
  });
});
