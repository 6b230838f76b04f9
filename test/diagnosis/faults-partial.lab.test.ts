// Partial breakages (lab lock held exclusively): what still works hides them from run, so doctor names
// them — from the catalog alone and on the host with --config — and says healthy again after restore.
import { describe, it } from 'node:test';
import { LAB_CLOUDS, LAB_ENDPOINTS, type LabFault } from '../../src/lab/index.js';
import { checkHealthy, checkLabFault, LAB_EXPECTED, type LabExpectation } from './lab.js';

const FAULTS: LabFault[] = [
  'db-half-migrated',
  'catalog-wrong-port',
  'store-data-lost',
  'image-size-cap',
  'store-small',
];

/** The same faults seen another way: straight at glance-api, through the proxy, or at the proxy's URL. */
const SEEN_OTHERWISE: Array<{ fault: LabFault; how: string; expected: LabExpectation }> = [
  {
    fault: 'glance-down',
    how: 'with the catalog pointing straight at glance-api',
    expected: { id: 'glance.down', cloud: LAB_CLOUDS.admin, doctorOnly: true },
  },
  {
    fault: 'glance-down',
    how: 'with the proxy given as --endpoint',
    expected: {
      id: 'proxy.upstream-down',
      cloud: LAB_CLOUDS.admin,
      doctorOnly: true,
      doctorArgs: ['--endpoint', LAB_ENDPOINTS.proxy],
    },
  },
  {
    fault: 'image-size-cap',
    how: "through the proxy (Glance's 413 keeps its request id)",
    expected: {
      id: 'image.size-cap',
      cloud: LAB_CLOUDS.proxyAdmin,
      doctorOnly: true,
      doctorArgs: ['--size', '100MiB'],
    },
  },
  {
    fault: 'swift-unmounted',
    how: "from the catalog alone (Glance's ~31 s 500) and on the host (the swift account's 503)",
    expected: { id: 'swift.unavailable', cloud: LAB_CLOUDS.admin, doctorOnly: true },
  },
  {
    fault: 'proxy-body-limit',
    how: 'with the proxy given as --endpoint',
    expected: {
      id: 'proxy.body-limit',
      cloud: LAB_CLOUDS.admin,
      doctorOnly: true,
      doctorArgs: ['--endpoint', LAB_ENDPOINTS.proxy],
    },
  },
];

describe('lab partial breakages: doctor names the cause, healthy after restore', { timeout: 600_000 }, () => {
  for (const fault of FAULTS) {
    it(
      `doctor with lab fault ${fault} ${(LAB_EXPECTED[fault].doctorArgs ?? []).join(' ')} names ${LAB_EXPECTED[fault].id} (catalog only and --config), healthy after restore`.replace(
        / {2,}/g,
        ' ',
      ),
      async (t) => {
        await checkLabFault(t, fault);
        await checkHealthy(t);
      },
    );
  }
  for (const { fault, how, expected } of SEEN_OTHERWISE) {
    it(`doctor with lab fault ${fault} ${how} names ${expected.id}, healthy after restore`, async (t) => {
      await checkLabFault(t, fault, expected);
      await checkHealthy(t);
    });
  }
});
