// Lab faults of the database, Keystone, auth and glance-api: doctor (and run) name the cause (lab lock held exclusively).
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
// What doctor alone sees (LAB_EXPECTED doctorOnly): after restore it must say healthy again.
const DOCTOR_ONLY: LabFault[] = ['auth-disabled'];

describe('lab faults (database, Keystone, auth, glance-api): doctor (and run) name the cause', {
  timeout: 300_000,
}, () => {
  it('doctor on the healthy lab exits 0 and the real glance-api.conf lints clean', (t) => checkHealthy(t));
  for (const fault of FAULTS) {
    it(`doctor and run with lab fault ${fault} name ${LAB_EXPECTED[fault].id} in their first failing line`, (t) =>
      checkLabFault(t, fault));
  }
  for (const fault of DOCTOR_ONLY) {
    it(`doctor with lab fault ${fault} names ${LAB_EXPECTED[fault].id} in its first failing line (catalog only and --config), healthy after restore`, async (t) => {
      await checkLabFault(t, fault);
      await checkHealthy(t);
    });
  }
});
