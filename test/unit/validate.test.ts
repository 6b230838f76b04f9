import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SchemaRegistry } from '../../src/validate.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../schemas/glance/zed/fixtures/${name}`, import.meta.url), 'utf8'));

describe('schema registry', () => {
  const reg = new SchemaRegistry();

  it("compiles every pinned Zed schema despite Glance's extra keywords", () => {
    for (const key of [
      'glance/zed/image',
      'glance/zed/images',
      'glance/zed/member',
      'glance/zed/members',
      'glance/zed/task',
      'glance/zed/tasks',
      'glance/zed/metadefs/namespace',
    ]) {
      assert.ok(reg.has(key), key);
    }
  });

  it('accepts the captured versions document and image', () => {
    assert.deepEqual(reg.validate('harness/versions', fixture('versions.json')), { valid: true, errors: [] });
    assert.deepEqual(reg.validate('glance/zed/image', fixture('image-after-upload.json')), {
      valid: true,
      errors: [],
    });
  });

  it('names the data path of each error', () => {
    const image = { ...(fixture('image-after-upload.json') as object), size: 'big', visibility: 'everyone' };
    const r = reg.validate('glance/zed/image', image);
    assert.equal(r.valid, false);
    assert.ok(
      r.errors.some((e) => e.startsWith('/size ')),
      r.errors.join('; '),
    );
    assert.ok(
      r.errors.some((e) => e.startsWith('/visibility ') && e.includes('community')),
      r.errors.join('; '),
    );
  });

  it('rejects a versions document with a malformed id or no self link', () => {
    const bad = {
      versions: [{ id: '2.15', status: 'CURRENT', links: [{ rel: 'describedby', href: 'http://x/' }] }],
    };
    const r = reg.validate('harness/versions', bad);
    assert.equal(r.valid, false);
    assert.ok(
      r.errors.some((e) => e.startsWith('/versions/0/id')),
      r.errors.join('; '),
    );
    assert.ok(
      r.errors.some((e) => e.startsWith('/versions/0/links')),
      r.errors.join('; '),
    );
  });

  it('checks the Glance JSON error shape', () => {
    assert.equal(
      reg.validate('harness/glance-error', {
        message: 'No image found',
        code: '404 Not Found',
        title: 'Not Found',
      }).valid,
      true,
    );
    assert.equal(reg.validate('harness/glance-error', { error: { code: 404 } }).valid, false);
  });
});

describe('lazy compilation', () => {
  it('every registered schema compiles when first used', () => {
    const reg = new SchemaRegistry();
    const keys = reg.keys();
    assert.ok(keys.length > 20, `only ${keys.length} schemas`);
    for (const key of keys) {
      const r = reg.validate(key, {});
      assert.equal(typeof r.valid, 'boolean', key);
    }
  });
});
