// Schemas (api-ref: image/v2 "Schemas") and discovery info (api-ref: image/v2 "Image Service Info"):
// what the target serves, checked against the pinned Zed copies.
import type { VersionsDocument } from '../../src/glance/index.js';
import { GLANCE_SCHEMA_NAMES } from '../../src/glance/schemas.js';
import { describeFinding } from '../../src/live-schemas.js';
import { schemas } from '../../src/validate.js';
import { expect, id, test } from '../fixtures.js';

test.describe('schemas: served', { tag: ['@schemas', '@read-only'] }, () => {
  for (const name of GLANCE_SCHEMA_NAMES) {
    test(
      `GET /v2/schemas/${name} returns 200 and a compilable schema named ${name}`,
      {
        annotation: id(`schemas.served.${name}`),
      },
      async ({ glance, liveSchemas }, testInfo) => {
        const res = await glance.schemas.show(name);
        expect(res).toHaveStatus(200);
        expect(res.body?.name, `"name" of /v2/schemas/${name}`).toBe(name);
        expect(res.body?.properties, `/v2/schemas/${name} has no properties`).toBeInstanceOf(Object);
        const unavailable = liveSchemas.findings.find(
          (f) => f.schema === name && f.kind === 'schema-unavailable',
        );
        expect(unavailable && describeFinding(unavailable), 'the live schema must compile').toBeUndefined();
        expect(liveSchemas.loaded).toContain(name);
        for (const f of liveSchemas.findings.filter((x) => x.schema === name)) {
          testInfo.annotations.push({ type: f.kind, description: describeFinding(f) });
        }
      },
    );
  }

  test('GET /v2/schemas/image lists the pinned base properties with their pinned types', {
    annotation: id('schemas.served.image-base-types'),
  }, async ({ glance }) => {
    const res = await glance.schemas.show('image');
    expect(res).toHaveStatus(200);
    const pinned = schemas().source('glance/zed/image') as { properties: Record<string, { type?: unknown }> };
    const live = (res.body?.properties ?? {}) as Record<string, { type?: unknown }>;
    const base = [
      'id',
      'name',
      'status',
      'visibility',
      'protected',
      'os_hidden',
      'checksum',
      'os_hash_algo',
      'os_hash_value',
      'owner',
      'size',
      'virtual_size',
      'disk_format',
      'container_format',
      'min_disk',
      'min_ram',
      'tags',
      'created_at',
      'updated_at',
      'self',
      'file',
      'schema',
    ];
    for (const key of base) {
      expect.soft(live[key], `/v2/schemas/image lacks ${key}`).toBeDefined();
      expect.soft(live[key]?.type, `type of ${key}`).toEqual(pinned.properties[key]?.type);
    }
  });
});

test.describe('schemas: discovery info', { tag: ['@schemas', '@read-only', '@discovery'] }, () => {
  test('GET /v2/info/import returns 200 and a valid list of import methods', {
    annotation: id('schemas.info.import'),
  }, async ({ glance }) => {
    const res = await glance.info.import();
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/info-import');
  });

  test('GET /v2/info/stores answers 200 with valid stores when multi-store is advertised, else 404', {
    annotation: id('schemas.info.stores'),
  }, async ({ glance }) => {
    const versions = await glance.versions.listRoot();
    const multiStore = ((versions.body as VersionsDocument | undefined)?.versions ?? []).some(
      (v) => v.id === 'v2.8',
    );
    const res = await glance.info.stores();
    if (multiStore) {
      expect(res).toHaveStatus(200);
      expect(res).toMatchSchema('glance/zed/info-stores');
      const defaults = (res.body?.stores ?? []).filter((s) => s.default === 'true' || s.default === true);
      expect(defaults, 'exactly one default store').toHaveLength(1);
    } else {
      expect(res, 'v2.8 (multi-store) is not advertised: stores discovery must be absent').toHaveStatus(404);
    }
  });

  test('GET /v2/info/usage returns 200 and a valid usage document', {
    annotation: id('schemas.info.usage'),
  }, async ({ glance }) => {
    const res = await glance.info.usage();
    expect(res).toHaveStatus(200);
    expect(res).toMatchSchema('glance/zed/info-usage');
  });
});
