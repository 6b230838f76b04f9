/**
 * Shared by the diagnosis lab tests: break a lab fault, run `doctor` and `run` through the CLI as a
 * user would, check that the first failing line names the expected cause, always restore.
 * The caller holds the lab lock exclusively (CI lab leg, or `flock /tmp/glance-lab.lock …` by hand).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { LAB_CLOUDS, type LabFault, labPaths, runLabCaptured } from '../../src/lab/index.js';
import { cli, firstDoctorFailure, firstRunFailure, namesCause } from './cli.js';

export const GLANCE_CONF = '/etc/glance/glance-api.conf';

/** What doctor (and run) must name for a lab fault. */
export interface LabExpectation {
  id: string;
  /** The clouds.yaml entry clients use: direct, or through nginx. */
  cloud: string;
  /**
   * Only doctor can see the fault (run's checks pass, or stop before naming it); doctor then names it
   * both from the catalog alone and on the host with --config.
   */
  doctorOnly?: true;
  /** More doctor arguments, e.g. the size of the upload that fails, or the proxy's URL as --endpoint. */
  doctorArgs?: readonly string[];
}

/** The cause each lab fault must produce. */
export const LAB_EXPECTED: Record<LabFault, LabExpectation> = {
  'db-not-synced': { id: 'db.not-synced', cloud: LAB_CLOUDS.admin },
  'db-down': { id: 'db.unreachable', cloud: LAB_CLOUDS.admin },
  'keystone-service-password-wrong': { id: 'keystone.service-credentials', cloud: LAB_CLOUDS.admin },
  'keystone-down': { id: 'keystone.unreachable', cloud: LAB_CLOUDS.admin },
  'auth-disabled': { id: 'auth.disabled', cloud: LAB_CLOUDS.admin, doctorOnly: true },
  'glance-down': { id: 'proxy.upstream-down', cloud: LAB_CLOUDS.proxyAdmin },
  'store-unwritable': { id: 'store.unwritable', cloud: LAB_CLOUDS.admin },
  'store-removed': { id: 'store.missing', cloud: LAB_CLOUDS.admin },
  'store-full': { id: 'store.full', cloud: LAB_CLOUDS.admin },
  'store-mount-lost': { id: 'store.data-lost', cloud: LAB_CLOUDS.admin },
  'proxy-body-limit': { id: 'proxy.body-limit', cloud: LAB_CLOUDS.proxyAdmin },
  'swift-unmounted': { id: 'swift.unavailable', cloud: LAB_CLOUDS.admin },
  'db-half-migrated': { id: 'db.tables-missing', cloud: LAB_CLOUDS.admin, doctorOnly: true },
  'catalog-wrong-port': { id: 'endpoint.mismatch', cloud: LAB_CLOUDS.admin, doctorOnly: true },
  'store-data-lost': { id: 'store.data-lost', cloud: LAB_CLOUDS.admin, doctorOnly: true },
  'image-size-cap': {
    id: 'image.size-cap',
    cloud: LAB_CLOUDS.admin,
    doctorOnly: true,
    doctorArgs: ['--size', '100MiB'],
  },
  'store-small': {
    id: 'store.full',
    cloud: LAB_CLOUDS.admin,
    doctorOnly: true,
    doctorArgs: ['--size', '100MiB'],
  },
};

// The lab's watcher unmounts the store on the first upload only: doctor and run each need a fresh break.
const ONE_SHOT: ReadonlySet<LabFault> = new Set<LabFault>(['store-mount-lost']);

const work = mkdtempSync(join(tmpdir(), 'gh-diag-lab-'));

function env(): Record<string, string> {
  return { OS_CLIENT_CONFIG_FILE: labPaths().cloudsYaml, GLANCE_HARNESS_REPORTS_DIR: join(work, 'reports') };
}

async function lab(args: string[]): Promise<string> {
  const r = await runLabCaptured(args);
  assert.equal(r.code, 0, `lab ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Breaks, runs `body`, and restores whatever happened (restore failing fails the test). */
async function withFault(t: TestContext, fault: LabFault, body: () => Promise<void>): Promise<void> {
  await lab(['break', fault]);
  try {
    await body();
  } finally {
    const restored = await runLabCaptured(['restore']);
    if (restored.code !== 0) t.diagnostic(`lab restore failed:\n${restored.stdout}${restored.stderr}`);
    assert.equal(restored.code, 0, 'lab restore must leave the lab healthy');
  }
}

/** doctor's first ✘ line names the cause (on the host: with --config; else from the catalog alone). */
async function doctorNames(
  t: TestContext,
  cloud: string,
  id: string,
  onHost = true,
  args: readonly string[] = [],
): Promise<void> {
  const where = onHost ? ['--config', GLANCE_CONF] : [];
  const d = await cli(['doctor', '--os-cloud', cloud, ...args, ...where], env(), work);
  const line = firstDoctorFailure(d);
  t.diagnostic(
    `doctor ${[...args, ...where].join(' ')} (${d.ms} ms): ${line ?? 'no failing line'}`.replace(
      / +\(/,
      ' (',
    ),
  );
  assert.ok(namesCause(line, id), `doctor's first failing line should name ${id}:\n${d.stdout}${d.stderr}`);
  assert.equal(d.code, 1);
}

/** Checks `run` uses per fault; the health suite's 2 MiB round trip unless a fault needs more. */
const RUN_CHECKS: Partial<Record<LabFault, string[]>> = {
  // The watcher unmounts the store once the upload's file appears: a 2 MiB round trip can be over by
  // then, a 256 MiB one cannot.
  'store-mount-lost': ['--suite', 'data', '--grep', '@large', '--large', '256MiB'],
};

/** run's first failing line names the cause. */
async function runNames(t: TestContext, fault: LabFault, cloud: string, id: string): Promise<void> {
  const checks = RUN_CHECKS[fault] ?? ['--suite', 'health'];
  const r = await cli(['run', ...checks, '--os-cloud', cloud], env(), work);
  const line = firstRunFailure(r);
  t.diagnostic(`run (${r.ms} ms): ${line ?? 'no failing line'}`);
  assert.ok(line?.includes(id), `run's first failing line should name ${id}:\n${r.stdout}${r.stderr}`);
}

/**
 * One lab fault: doctor and run (doctor only, when doctorOnly) name the expected cause; the lab is
 * restored after each break. `expected` overrides the fault's usual expectation (another cloud, args).
 */
export async function checkLabFault(
  t: TestContext,
  fault: LabFault,
  expected: LabExpectation = LAB_EXPECTED[fault],
): Promise<void> {
  const { id, cloud, doctorOnly, doctorArgs = [] } = expected;
  if (doctorOnly) {
    await withFault(t, fault, async () => {
      await doctorNames(t, cloud, id, false, doctorArgs);
      await doctorNames(t, cloud, id, true, doctorArgs);
    });
    return;
  }
  if (ONE_SHOT.has(fault)) {
    await withFault(t, fault, () => doctorNames(t, cloud, id));
    await withFault(t, fault, () => runNames(t, fault, cloud, id));
    return;
  }
  await withFault(t, fault, async () => {
    await doctorNames(t, cloud, id, true, doctorArgs);
    await runNames(t, fault, cloud, id);
  });
}

/** doctor on the healthy lab: exit 0, the config lint passing on the real glance-api.conf. */
export async function checkHealthy(t: TestContext): Promise<void> {
  const d = await cli(['doctor', '--os-cloud', LAB_CLOUDS.admin, '--config', GLANCE_CONF], env(), work);
  t.diagnostic(`doctor on the healthy lab (${d.ms} ms)`);
  assert.equal(d.code, 0, `${d.stdout}${d.stderr}`);
  assert.match(d.stdout, /^✔ config /m);
}
