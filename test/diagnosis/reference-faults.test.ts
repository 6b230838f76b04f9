// Every reference fault switch: `doctor` and `run` name the right cause id in their first failing line,
// and doctor finds the install healthy again once the fault is cleared.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FAULTS, type FaultName, type ReferenceServer, startReference } from '../../src/reference/index.js';
import type { Summary } from '../../src/report/summary.js';
import { referenceEnv } from '../helpers/cli.js';
import { createImage, token, upload } from '../reference/helpers.js';
import { cli, firstDoctorFailure, firstRunFailure, namesCause } from './cli.js';

const work = mkdtempSync(join(tmpdir(), 'gh-diag-ref-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** What one fault must produce. */
interface Expectation {
  id: string;
  args?: string[];
  /** Only doctor can see the fault: run's checks pass, or fail without naming it. */
  doctorOnly?: true;
  /** The step doctor's first failing line names. */
  step?: string;
  /** Steps that must still pass before it. */
  passes?: string[];
  /** An active image with data is stored before the fault is switched on (the fault acts on existing data). */
  seed?: true;
}

/**
 * The cause each fault must produce. Clients find Glance in the catalog, as users do: a fault that
 * puts the front proxy on the path (viaProxy) makes the catalog name it.
 */
const EXPECTED: Record<FaultName, Expectation> = {
  'db-not-synced': { id: 'db.not-synced' },
  'db-down': { id: 'db.unreachable' },
  'db-hung': { id: 'db.hung', args: ['--timeout', '3'] },
  'keystone-service-password-wrong': { id: 'keystone.service-credentials' },
  'keystone-down': { id: 'keystone.unreachable' },
  'keystone-down-no-delay-auth': { id: 'keystone.unreachable' },
  // Every request of `run` carries a good token and passes: only doctor asks without one.
  'auth-disabled': { id: 'auth.disabled', doctorOnly: true },
  'glance-down-behind-proxy': { id: 'proxy.upstream-down' },
  'store-unwritable': { id: 'store.unwritable' },
  'store-removed': { id: 'store.missing' },
  'store-full': { id: 'store.full' },
  'store-mount-lost': { id: 'store.data-lost' },
  'swift-unmounted': { id: 'swift.unavailable' },
  'proxy-body-limit': { id: 'proxy.body-limit' },
  // run's health suite reads no metadefs or tasks: its 500 on /v2/images alone looks like db.not-synced.
  'db-half-migrated': { id: 'db.tables-missing', doctorOnly: true, step: 'images' },
  // Both 413s need an upload larger than 64 MiB: doctor's round trip takes the size it is given.
  'image-size-cap': {
    id: 'image.size-cap',
    args: ['--size', '100MiB'],
    doctorOnly: true,
    step: 'round-trip',
  },
  'store-small': { id: 'store.full', args: ['--size', '100MiB'], doctorOnly: true, step: 'round-trip' },
  'store-data-lost': {
    id: 'store.data-lost',
    doctorOnly: true,
    seed: true,
    step: 'stored-data',
    passes: ['round-trip'],
  },
  'catalog-wrong-port': { id: 'endpoint.mismatch', doctorOnly: true, step: 'catalog' },
  // run stops at the refused endpoint ("unreachable"): only doctor compares the interfaces and Keystone.
  'glance-down': { id: 'glance.down', doctorOnly: true, step: 'catalog' },
};

// Shrunk from the captured 31 s, still above the 10 s the swift rule reads as a store timeout.
const DELAYS = { swiftMs: 10_500, keystoneDownMs: 3_500, keystonePasswordWrongMs: 500 };

/** An active 1 MiB image of the admin project (whom doctor runs as), with its data in the store. */
async function seedImage(ref: ReferenceServer): Promise<void> {
  const tok = await token(ref, 'admin');
  const img = await createImage(ref.glanceUrl, { name: 'seed', disk_format: 'raw' }, tok);
  const res = await upload(ref.glanceUrl, img.id, Buffer.alloc(1024 * 1024, 6), tok);
  assert.equal(res.status, 204, 'seed upload');
}

function env(ref: ReferenceServer, dir: string): Record<string, string> {
  return { ...referenceEnv(ref), GLANCE_HARNESS_REPORTS_DIR: join(dir, 'reports') };
}

// Three faults at a time: each has its own reference, and much of a case is waiting (timeouts, the swift delay).
describe('reference faults: doctor and run name the cause', { concurrency: 3 }, () => {
  it('covers every fault switch', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), FAULTS.map((f) => f.name).sort());
  });

  for (const { name } of FAULTS) {
    const want = EXPECTED[name];
    const title = want.doctorOnly
      ? `doctor with ${name} names ${want.id} in its first failing line`
      : `doctor and run with ${name} name ${want.id} in their first failing line`;
    it(title, async (t) => {
      const ref = await startReference({ fault: want.seed ? null : name, delays: DELAYS });
      const dir = mkdtempSync(join(work, `${name}-`));
      try {
        if (want.seed) {
          await seedImage(ref);
          ref.setFault(name);
        }
        const e = env(ref, dir);
        const target = want.args ?? [];
        const [doctor, run] = await Promise.all([
          cli(['doctor', ...target], e, dir),
          want.doctorOnly ? undefined : cli(['run', '--suite', 'health', ...target], e, dir),
        ]);
        const d = firstDoctorFailure(doctor);
        t.diagnostic(`doctor: ${d ?? 'no failing line'}`);
        assert.ok(
          namesCause(d, want.id),
          `doctor's first failing line: ${d ?? doctor.stdout + doctor.stderr}`,
        );
        if (want.step) assert.ok(d?.startsWith(`✘ ${want.step} `), `failing step: ${d}`);
        for (const step of want.passes ?? [])
          assert.ok(doctor.stdout.includes(`\n✔ ${step} `), `${step} passes:\n${doctor.stdout}`);
        assert.equal(doctor.code, 1, doctor.stderr);
        if (run) {
          const r = firstRunFailure(run);
          assert.ok(r?.includes(want.id), `run's first failing line: ${r ?? run.stdout + run.stderr}`);
          const summary = JSON.parse(
            readFileSync(join(dir, 'reports', 'latest', 'summary.json'), 'utf8'),
          ) as Summary;
          const named = summary.cause?.id ?? summary.checks.find((c) => c.status === 'failed')?.cause?.id;
          assert.equal(named, want.id, `summary.json cause (outcome ${summary.outcome})`);
        }
        ref.setFault(null);
        const healthy = await cli(['doctor', ...target], e, dir);
        assert.equal(
          healthy.code,
          0,
          `doctor after the fault is cleared: ${firstDoctorFailure(healthy) ?? healthy.stdout + healthy.stderr}`,
        );
      } finally {
        await ref.close();
      }
    });
  }

  it('run with db-not-synced blames an upload to an unknown image on db.not-synced, not store.missing', async () => {
    const ref = await startReference({ fault: 'db-not-synced', delays: DELAYS });
    const dir = mkdtempSync(join(work, 'upload-unknown-'));
    try {
      const run = await cli(
        ['run', '--suite', 'negative', '--grep', 'on an unknown image'],
        env(ref, dir),
        dir,
      );
      const summary = JSON.parse(
        readFileSync(join(dir, 'reports', 'latest', 'summary.json'), 'utf8'),
      ) as Summary;
      const check = summary.checks.find((c) => c.id === 'negative.upload.unknown-id');
      assert.equal(check?.status, 'failed', run.stdout);
      assert.equal(check?.cause?.id, 'db.not-synced', run.stdout);
    } finally {
      await ref.close();
    }
  });

  it('doctor and run with swift-unmounted through an Apache-style front name proxy.upstream-invalid', async () => {
    const ref = await startReference({ fault: 'swift-unmounted', delays: DELAYS });
    const dir = mkdtempSync(join(work, 'swift-proxy-'));
    try {
      const e = env(ref, dir);
      const [doctor, run] = await Promise.all([
        cli(['doctor', '--endpoint', ref.proxyUrl], e, dir),
        cli(['run', '--suite', 'health', '--endpoint', ref.proxyUrl], e, dir),
      ]);
      assert.ok(namesCause(firstDoctorFailure(doctor), 'proxy.upstream-invalid'), doctor.stdout);
      assert.ok(firstRunFailure(run)?.includes('proxy.upstream-invalid'), run.stdout);
    } finally {
      await ref.close();
    }
  });
});

describe('checks a failed setup leaves unrun', () => {
  it('say which check failed first in their serial group, never a bare "skipped"', async () => {
    const ref = await startReference({ fault: 'store-unwritable' });
    const dir = mkdtempSync(join(work, 'serial-'));
    try {
      const run = await cli(['run', '--suite', 'images', '--grep', 'images: list'], env(ref, dir), dir);
      const summary = JSON.parse(
        readFileSync(join(dir, 'reports', 'latest', 'summary.json'), 'utf8'),
      ) as Summary;
      const skipped = summary.checks.filter((c) => c.status === 'skipped');
      assert.ok(
        skipped.length > 5,
        `the list group's checks after its failed setup are skipped:\n${run.stdout}`,
      );
      for (const c of skipped)
        assert.match(
          c.skipReason ?? '',
          /^not run: images\.list\.[a-z-]+ failed first in its serial group \(images: list\)$/,
          c.id,
        );
    } finally {
      await ref.close();
    }
  });
});
