// Lab faults of the database, Keystone and glance-api: doctor and run name the cause (lab lock held exclusively).
import { describe, it } from 'node:test';
import type { LabFault } from '../../src/lab/index.js';
import { checkHealthy, checkLabFault, LAB_EXPECTED } from './lab.js';

const FAULTS: LabFault[] = [
  'db-not-synced',
  'db-down',
  'keystone-service-password-wrong',
  'keystone-down',
  'glance-down',
];

describe('lab faults (database, Keystone, glance-api): doctor and run name the cause', {
  timeout: 300_000,
}, () => {
  it('doctor on the healthy lab exits 0 and the real glance-api.conf lints clean', (t) => checkHealthy(t));
  for (const fault of FAULTS) {
    it(`doctor and run with lab fault ${fault} name ${LAB_EXPECTED[fault].id} in their first failing line`, (t) =>
      checkLabFault(t, fault));
  }
});
