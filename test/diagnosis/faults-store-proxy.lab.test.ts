// Lab faults of the image store and the front proxy: doctor and run name the cause (lab lock held exclusively).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LAB_FAULTS, type LabFault } from '../../src/lab/index.js';
import { checkLabFault, LAB_EXPECTED } from './lab.js';

const FAULTS: LabFault[] = [
  'store-unwritable',
  'store-removed',
  'store-full',
  'store-mount-lost',
  'proxy-body-limit',
  'swift-unmounted',
];
const OTHER_FILES: LabFault[] = [
  // faults-db-keystone.lab.test.ts
  'db-not-synced',
  'db-down',
  'keystone-service-password-wrong',
  'keystone-down',
  'auth-disabled',
  'glance-down',
  // faults-partial.lab.test.ts
  'db-half-migrated',
  'catalog-wrong-port',
  'store-data-lost',
  'image-size-cap',
  'store-small',
];

describe('lab faults (store, proxy): doctor and run name the cause', { timeout: 480_000 }, () => {
  it('the diagnosis lab files together cover every lab break mode', () => {
    assert.deepEqual([...FAULTS, ...OTHER_FILES].sort(), [...LAB_FAULTS].sort());
  });
  for (const fault of FAULTS) {
    it(`doctor and run with lab fault ${fault} name ${LAB_EXPECTED[fault].id} in their first failing line`, (t) =>
      checkLabFault(t, fault));
  }
});
