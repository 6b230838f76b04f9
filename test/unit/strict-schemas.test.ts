import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { GlanceClient } from '../../src/glance/index.js';
import { loadLiveSchemas } from '../../src/live-schemas.js';
import { SCHEMAS_DIR, SchemaRegistry, schemaDrift, schemaSet } from '../../src/validate.js';

const captured = JSON.parse(
  readFileSync(new URL('../../schemas/glance/zed/fixtures/image-after-upload.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const active: Record<string, unknown> = { ...captured, owner: '0123456789abcdef0123456789abcdef' };
const queued = {
  ...active,
  status: 'queued',
  size: null,
  virtual_size: null,
  checksum: null,
  os_hash_algo: null,
  os_hash_value: null,
};

describe('strict Zed schemas', () => {
  const reg = new SchemaRegistry();
  const strict = (data: unknown): string[] => reg.validate('glance/zed/strict/image', data).errors;

  it('accepts an active image captured from Glance 25.1 and a queued one', () => {
    assert.deepEqual(strict(active), []);
    assert.deepEqual(strict(queued), []);
  });

  it('rejects what Glance’s own schema lets through', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ checksum: 'ABCDEF0123456789ABCDEF0123456789' }, '/checksum'],
      [{ checksum: 'abc' }, '/checksum'],
      [{ os_hash_algo: 'sha256' }, '/os_hash_algo'],
      [{ os_hash_value: 'ab'.repeat(32) }, '/os_hash_value'],
      [{ created_at: '22/11/2026' }, '/created_at'],
      [{ gh_extra: 5 }, '/gh_extra'],
      [{ status: 'queued' }, '/checksum'],
      [{ os_hash_value: null }, '/os_hash_value'],
    ];
    for (const [patch, path] of cases) {
      const errors = strict({ ...active, ...patch });
      assert.ok(
        errors.some((e) => e.startsWith(path)),
        `${JSON.stringify(patch)} → ${errors.join('; ')}`,
      );
      assert.equal(reg.validate('glance/zed/image', { ...active, ...patch }).valid, !('gh_extra' in patch));
    }
  });

  it('accepts the configured hashing algorithm with its digest length only', () => {
    const sha256 = new SchemaRegistry(SCHEMAS_DIR, { hashAlgo: 'sha256' });
    const image = { ...active, os_hash_algo: 'sha256', os_hash_value: 'ab'.repeat(32) };
    assert.deepEqual(sha256.validate('glance/zed/strict/image', image).errors, []);
    assert.equal(sha256.validate('glance/zed/strict/image', active).valid, false);
    assert.equal(sha256.validate('glance/zed/strict/image', { ...image, os_hash_value: 'ab' }).valid, false);
  });

  it('checks list pages, members, tasks and the info documents', () => {
    const page = { images: [active, queued], first: '/v2/images', schema: '/v2/schemas/images' };
    assert.deepEqual(reg.validate('glance/zed/strict/images', page).errors, []);
    assert.equal(
      reg.validate('glance/zed/strict/images', { ...page, images: [{ ...active, size: -1 }] }).valid,
      false,
    );
    assert.equal(
      reg.validate('glance/zed/strict/images', { ...page, next: '/v2/images?limit=1' }).valid,
      false,
    );
    const member = {
      image_id: active.id,
      member_id: 'b'.repeat(32),
      status: 'pending',
      created_at: '2026-11-22T02:15:16Z',
      updated_at: '2026-11-22T02:15:16Z',
      schema: '/v2/schemas/member',
    };
    assert.deepEqual(reg.validate('glance/zed/strict/member', member).errors, []);
    assert.equal(reg.validate('glance/zed/strict/member', { ...member, status: 'maybe' }).valid, false);
    const { schema: _s, ...inList } = member;
    assert.deepEqual(
      reg.validate('glance/zed/strict/members', { members: [inList], schema: '/v2/schemas/members' }).errors,
      [],
    );
    const methods = {
      'import-methods': { description: 'x', type: 'array', value: ['glance-direct', 'web-download'] },
    };
    assert.deepEqual(reg.validate('glance/zed/strict/info-import', methods).errors, []);
    const stores = {
      stores: [
        { id: 'fs', default: 'true' },
        { id: 'http', 'read-only': 'true' },
      ],
    };
    assert.deepEqual(reg.validate('glance/zed/strict/info-stores', stores).errors, []);
    assert.deepEqual(reg.validate('glance/zed/strict/info-usage', {}).errors, []);
    const usage = { usage: { image_count_total: { limit: 10, usage: 2 } } };
    assert.deepEqual(reg.validate('glance/zed/strict/info-usage', usage).errors, []);
    assert.equal(reg.validate('glance/zed/strict/info-usage', { usage: { bogus: {} } }).valid, false);
  });

  it('maps a pinned key to its strict and live counterparts', () => {
    assert.deepEqual(schemaSet(reg, 'glance/zed/image'), {
      pinned: 'glance/zed/image',
      strict: 'glance/zed/strict/image',
    });
    assert.deepEqual(schemaSet(reg, 'glance/zed/info-import'), { strict: 'glance/zed/strict/info-import' });
    assert.deepEqual(schemaSet(reg, 'harness/versions'), { pinned: 'harness/versions' });
  });
});

describe('live schemas and drift', () => {
  it('names the keys where a live schema differs from the pinned one', () => {
    const pinned = { name: 'image', properties: { a: { type: 'string' }, b: { enum: [1, 2] } } };
    const live = { name: 'image', properties: { a: { type: 'integer' }, b: { enum: [1, 2, 3] }, c: {} } };
    assert.deepEqual(schemaDrift(pinned, live), ['properties.a.type', 'properties.b.enum', '+properties.c']);
    assert.deepEqual(schemaDrift(pinned, structuredClone(pinned)), []);
  });

  it('registers what the target serves, reports drift and refusals as findings, never throws', async () => {
    const reg = new SchemaRegistry();
    const image = structuredClone(reg.source('glance/zed/image')) as { properties: Record<string, unknown> };
    image.properties.gh_new = { type: 'string' };
    const fake = {
      schemas: {
        show: async (name: string) => {
          if (name === 'image') return { status: 200, body: image };
          if (name === 'tasks') return { status: 403, body: { message: 'no' } };
          if (name === 'task') throw new Error('connection reset');
          return { status: 200, body: reg.source(`glance/zed/${name}`) };
        },
      },
    } as unknown as GlanceClient;
    const report = await loadLiveSchemas(fake, reg, 'zed');
    assert.deepEqual(report.loaded.sort(), ['image', 'images', 'member', 'members']);
    assert.ok(reg.has('live/image'));
    assert.deepEqual(
      report.findings.map((f) => `${f.kind} ${f.schema}`),
      ['schema-drift image', 'schema-unavailable task', 'schema-unavailable tasks'],
    );
    const drift = report.findings[0];
    assert.ok(drift?.kind === 'schema-drift' && drift.changedKeys.includes('+properties.gh_new'));
    assert.equal(reg.validate('live/image', { ...active, gh_new: 5 }).valid, false);
  });
});
