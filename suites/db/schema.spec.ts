// The Glance database after db_sync: tables of the release its alembic head names, and the API agreeing.

import { crossCheckRelease, judgeSchema, readDrift, readSchema } from '../../src/db/index.js';
import type { VersionsDocument } from '../../src/glance/index.js';
import { expect, id, test } from './db-fixtures.js';

test.describe('db: schema', { tag: ['@db', '@read-only'] }, () => {
  test(
    'SELECT information_schema.TABLES lists every table of the release the alembic head names',
    {
      annotation: id('db.schema.tables-for-head'),
    },
    async ({ db }, testInfo) => {
      const { tables, alembicHead } = await readSchema(db);
      const judged = judgeSchema(db.spec.database, tables, alembicHead);
      testInfo.annotations.push({ type: 'alembic-head', description: alembicHead ?? '(none)' });
      const found = judged.findings.map((f) => `${f.id}: ${f.detail}. Fix: ${f.fix}`);
      expect(found, `schema findings on ${db.spec.display}`).toEqual([]);
      expect(judged.family, 'release family of the head').not.toBeNull();
    },
  );

  test('GET / CURRENT version is consistent with the alembic head of the database', {
    annotation: id('db.schema.release-matches-api'),
  }, async ({ db, glance }) => {
    const { tables, alembicHead } = await readSchema(db);
    const family = judgeSchema(db.spec.database, tables, alembicHead).family;
    expect(family, `alembic head ${alembicHead ?? '(none)'} names no known release`).not.toBeNull();
    const res = await glance.versions.listRoot();
    expect(res).toHaveStatus(300);
    const current = (res.body as VersionsDocument).versions.find((v) => v.status === 'CURRENT')?.id;
    expect(current, 'a CURRENT version in GET /').toBeTruthy();
    const check = crossCheckRelease(family, current);
    expect(check.consistent, check.note).toBe(true);
  });
});

test.describe('db: drift', { tag: ['@db', '@read-only'] }, () => {
  test(
    'SELECT images: every active image has an active location',
    {
      annotation: id('db.drift.active-without-location'),
    },
    async ({ db }, testInfo) => {
      const drift = await readDrift(db);
      testInfo.annotations.push({ type: 'active-images', description: String(drift.activeImages) });
      expect(drift.activeWithoutLocation, 'active images with no active image_locations row').toEqual([]);
    },
  );

  test(
    'SELECT image_locations: every active file location names a file that exists on this host',
    {
      annotation: id('db.drift.location-file-missing'),
    },
    async ({ db }, testInfo) => {
      const drift = await readDrift(db);
      testInfo.skip(
        drift.fileLocationsChecked === 0 && drift.fileLocationsUnchecked > 0,
        `the store directories of ${drift.fileLocationsUnchecked} file location(s) are not visible: not on the Glance host`,
      );
      testInfo.annotations.push({
        type: 'file-locations',
        description: `${drift.fileLocationsChecked} checked, ${drift.fileLocationsUnchecked} not visible from here`,
      });
      expect(drift.missingFiles, 'active locations whose file is missing (image id, path)').toEqual([]);
    },
  );
});
