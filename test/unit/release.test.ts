// The release family read from the versions document, and the pinned schemas it chooses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minorOf, readRelease } from '../../src/glance/release.js';
import { schemaSet, schemas } from '../../src/validate.js';

describe('release family', () => {
  it('reads v2.15/v2.16 CURRENT as the Zed family and v2.17 or later as the newer one', () => {
    assert.equal(minorOf('v2.17'), 17);
    assert.equal(minorOf('2.17'), undefined);
    assert.deepEqual(readRelease('v2.15'), {
      family: 'zed',
      label: 'Yoga to 2024.1 (schemas pinned from Glance 25.1, Zed)',
      evidence: 'v2.15 CURRENT',
    });
    assert.equal(readRelease('v2.16').family, 'zed');
    assert.equal(readRelease('v2.17').family, '2026.2');
    assert.equal(readRelease('v2.18').family, '2026.2');
  });

  it('says why when the CURRENT version is unreadable, and lets --release decide', () => {
    assert.deepEqual(readRelease(undefined), {
      family: 'zed',
      label: 'Yoga to 2024.1 (schemas pinned from Glance 25.1, Zed)',
      evidence: 'no v2.N CURRENT version listed (none)',
    });
    assert.deepEqual(readRelease('v2.15', '2026.2'), {
      family: '2026.2',
      label: '2024.2 or later (schemas pinned from Glance 33.0.0, 2026.2)',
      evidence: '--release',
    });
  });

  it("checks a body against the family's pinned and strict schemas, the Zed set otherwise", () => {
    const reg = schemas();
    assert.deepEqual(schemaSet(reg, 'glance/zed/task', '2026.2'), {
      pinned: 'glance/2026.2/task',
      strict: 'glance/2026.2/strict/task',
    });
    assert.deepEqual(schemaSet(reg, 'glance/zed/task', 'zed'), {
      pinned: 'glance/zed/task',
      strict: 'glance/zed/strict/task',
    });
    assert.deepEqual(schemaSet(reg, 'glance/zed/info-import', '2026.2'), {
      strict: 'glance/2026.2/strict/info-import',
    });
    assert.deepEqual(schemaSet(reg, 'harness/versions', '2026.2'), { pinned: 'harness/versions' });
  });

  it("validates 33.0.0's location_import task type against its own pinned schema, not Zed's", () => {
    const reg = schemas();
    const zedTypes = (reg.source('glance/zed/task') as { properties: { type: { enum: string[] } } })
      .properties.type.enum;
    const newTypes = (reg.source('glance/2026.2/task') as { properties: { type: { enum: string[] } } })
      .properties.type.enum;
    assert.deepEqual(zedTypes, ['import', 'api_image_import']);
    assert.ok(newTypes.includes('location_import'));
  });
});
