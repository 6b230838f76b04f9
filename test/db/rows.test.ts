import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  compareExtras,
  compareImageRow,
  fileLocationPath,
  type ImageRow,
  type ImageRows,
  locationFileState,
} from '../../src/db/index.js';

const row: ImageRow = {
  id: '62c0b70d-d901-4eaf-aeb0-3c16a8fdda90',
  name: 't',
  status: 'active',
  size: 196616,
  virtual_size: 67108864,
  checksum: '41ce4d32ce22529a293044bc1eb4e734',
  os_hash_algo: 'sha512',
  os_hash_value: 'ab'.repeat(64),
  visibility: 'shared',
  owner: 'f00d',
  protected: false,
  os_hidden: false,
  disk_format: 'qcow2',
  container_format: 'bare',
  min_disk: 0,
  min_ram: 0,
  deleted: false,
};
const api = { ...row, deleted: undefined, tags: ['a', 'b'], os_name: 'linux' } as Record<string, unknown>;

describe('row comparison', () => {
  it('finds nothing when the images row equals the API image', () => {
    assert.deepEqual(compareImageRow(api, row), []);
  });

  it('names each differing column with both values', () => {
    const diff = compareImageRow({ ...api, size: 1, protected: true }, row);
    assert.deepEqual(diff, ['images.size: DB 196616 vs API 1', 'images.protected: DB false vs API true']);
  });

  it('compares live properties and tags, ignoring soft-deleted rows', () => {
    const rows: ImageRows = {
      image: row,
      properties: [
        { name: 'os_name', value: 'linux', deleted: false },
        { name: 'old', value: 'x', deleted: true },
      ],
      tags: [
        { value: 'b', deleted: false },
        { value: 'a', deleted: false },
        { value: 'gone', deleted: true },
      ],
      locations: [],
    };
    assert.deepEqual(compareExtras(api, rows), []);
    assert.deepEqual(compareExtras({ ...api, os_name: 'windows', tags: ['a'] }, rows), [
      'image_properties.os_name: DB "linux" vs API "windows"',
      'image_tags: DB ["a","b"] vs API ["a"]',
    ]);
  });
});

describe('location files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads file:// locations only', () => {
    assert.equal(fileLocationPath('file:///var/lib/glance/images/x'), '/var/lib/glance/images/x');
    assert.equal(fileLocationPath('swift+http://tenant:key@swift/v1/glance/x'), undefined);
    assert.equal(fileLocationPath('rbd://fsid/images/x/snap'), undefined);
  });

  it('tells present, missing, and not visible from this host apart', () => {
    writeFileSync(join(dir, 'img'), 'data');
    assert.equal(locationFileState(join(dir, 'img')), 'present');
    assert.equal(locationFileState(join(dir, 'gone')), 'missing');
    assert.equal(locationFileState(join(dir, 'no-such-dir', 'img')), 'unknown');
  });
});
