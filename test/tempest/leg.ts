// The Tempest leg: OpenStack's own image API tests (Tempest's list, unedited) against the real Zed
// lab, the embedded reference and the newest lab, compared per test id.
//   1. the Zed lab, pre-provisioned accounts made through its Keystone (admin from OS_* variables);
//   2. the embedded reference, pre-provisioned accounts given at start (as `reference --users FILE`);
//   3. the embedded reference, Tempest's dynamic credentials (its identity admin API);
//   4. the newest lab (glance 33, :9293), found in the shared Keystone's catalog as type image-newest,
//      pre-provisioned accounts made as for 1.
// Fails listing every id whose outcome differs between 1 and 2, or between 2 and 3, and every id
// where run 4 disagrees with newest-outcomes.yaml (the newer release's non-passing ids, with reasons).
//   OS_AUTH_URL=... OS_USERNAME=... OS_PASSWORD=... OS_PROJECT_NAME=... node --import tsx test/tempest/leg.ts
// Exit: 0 as expected, 1 differences, 2 cannot run (Tempest missing, no lab credentials, newest lab down).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReference } from '../../src/reference/index.js';
import { differences, type IdOutcome, shortId, table } from './compare.js';
import { type Account, type AdminCredentials, provision } from './identity.js';
import { describeMismatch, mismatches, parseOutcomes } from './outcomes.js';
import { runTempest, tempestPackageDir } from './workspace.js';

// Web-download imports from a loopback URL on a port Glance's default filter refuses (80 and 443
// only): no traffic leaves the machine and every target answers from its filter.
const HTTP_IMAGE = 'http://127.0.0.1:9/cirros.img';
const say = (line: string): void => void process.stdout.write(`tempest leg: ${line}\n`);
// The newest lab (src/lab/newest.sh): its own catalog type, so the type `image` stays the Zed lab's.
const NEWEST_URL = 'http://127.0.0.1:9293';
const NEWEST_CATALOG_TYPE = 'image-newest';
const NEWEST_OUTCOMES = join(dirname(fileURLToPath(import.meta.url)), 'newest-outcomes.yaml');

function labAdmin(): AdminCredentials {
  const env = process.env;
  const missing = ['OS_AUTH_URL', 'OS_USERNAME', 'OS_PASSWORD', 'OS_PROJECT_NAME'].filter((k) => !env[k]);
  if (missing.length > 0) {
    say(`cannot run: ${missing.join(', ')} not set (source the lab's openrc-admin)`);
    process.exit(2);
  }
  return {
    authUrl: String(env.OS_AUTH_URL).replace(/\/+$/, ''),
    username: String(env.OS_USERNAME),
    password: String(env.OS_PASSWORD),
    projectName: String(env.OS_PROJECT_NAME),
  };
}

/** Whether the newest lab answers its healthcheck (it shares the Zed lab's Keystone). */
async function newestUp(): Promise<boolean> {
  try {
    const r = await fetch(`${NEWEST_URL}/healthcheck`, { signal: AbortSignal.timeout(5000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Runs Tempest with pre-provisioned accounts made in the shared Keystone, removed afterwards. */
async function labRun(
  admin: AdminCredentials,
  label: string,
  dir: string,
  extra: { catalogType?: string; imageCaching?: boolean },
) {
  const accounts = await provision(admin, label, { members: 3, admins: 2 });
  try {
    return await runTempest(
      {
        authUrl: admin.authUrl,
        region: process.env.OS_REGION_NAME ?? 'RegionOne',
        accounts: accounts.accounts,
        httpImage: HTTP_IMAGE,
        ...extra,
      },
      dir,
      { concurrency: 1, log: say },
    );
  } finally {
    await accounts.remove();
  }
}

/** A users file for the reference: member and admin accounts, each in a project of its own. */
function referenceUsersYaml(members: number, admins: number): string {
  const entry = (name: string, roles: string) => `- name: ${name}\n  project: ${name}\n  roles: [${roles}]\n`;
  return [
    ...Array.from({ length: members }, (_, i) => entry(`tempest-member${i + 1}`, 'member, reader')),
    ...Array.from({ length: admins }, (_, i) => entry(`tempest-admin${i + 1}`, 'admin, member, reader')),
  ].join('');
}

async function main(): Promise<number> {
  if (!tempestPackageDir()) {
    say('cannot run: Tempest is not installed (apt-get install python3-tempest)');
    return 2;
  }
  const admin = labAdmin();
  if (!(await newestUp())) {
    say(`cannot run: the newest lab does not answer at ${NEWEST_URL} ('lab up --release newest')`);
    return 2;
  }
  const expectedNewest = parseOutcomes(await readFile(NEWEST_OUTCOMES, 'utf8'));
  const root = await mkdtemp(join(tmpdir(), 'glance-harness-tempest-'));
  const started = Date.now();
  const timings: string[] = [];
  try {
    // 1. The real Zed lab.
    const labResult = await labRun(admin, 'lab', join(root, 'lab'), {});
    const lab = labResult.outcomes;
    timings.push(`lab ${labResult.seconds.toFixed(0)} s`);

    // 4. The newest lab, while the labs are known to be up: the cache API on, one file store.
    const newestResult = await labRun(admin, 'newest', join(root, 'newest'), {
      catalogType: NEWEST_CATALOG_TYPE,
      imageCaching: true,
    });
    const newest = newestResult.outcomes;
    timings.push(`newest ${newestResult.seconds.toFixed(0)} s`);

    // 2 and 3. The embedded reference, its accounts from a users file as `reference --users FILE` reads it.
    const usersFile = join(root, 'reference-users.yaml');
    await writeFile(usersFile, referenceUsersYaml(3, 2));
    const ref = await startReference({ users: usersFile });
    let reference: Map<string, IdOutcome>;
    let dynamic: Map<string, IdOutcome>;
    try {
      const refAdmin = ref.users.find((u) => u.name === 'admin');
      if (!refAdmin) throw new Error('the reference has no admin user');
      const adminCreds: AdminCredentials = {
        authUrl: ref.keystoneUrl,
        username: refAdmin.name,
        password: refAdmin.password,
        projectName: refAdmin.project,
      };
      const refAccounts: Account[] = ref.users
        .filter((u) => u.name.startsWith('tempest-'))
        .map((u) => ({
          username: u.name,
          password: u.password,
          project: u.project,
          roles: [...u.roles],
          types: u.roles.includes('admin') ? ['admin'] : [],
        }));
      const r = await runTempest(
        { authUrl: ref.keystoneUrl, region: 'RegionOne', accounts: refAccounts, httpImage: HTTP_IMAGE },
        join(root, 'reference'),
        { concurrency: 1, log: say },
      );
      reference = r.outcomes;
      timings.push(`reference ${r.seconds.toFixed(0)} s`);
      const d = await runTempest(
        { authUrl: ref.keystoneUrl, region: 'RegionOne', admin: adminCreds, httpImage: HTTP_IMAGE },
        join(root, 'reference-dynamic'),
        { concurrency: 2, log: say },
      );
      dynamic = d.outcomes;
      timings.push(`reference, dynamic credentials ${d.seconds.toFixed(0)} s`);
    } finally {
      await ref.close();
    }

    process.stdout.write(
      `${table(['zed lab', 'reference', 'reference (dynamic)', 'newest lab'], [lab, reference, dynamic, newest])}\n`,
    );
    const labVsRef = differences([lab, reference]);
    const refVsDynamic = differences([reference, dynamic]);
    for (const d of labVsRef)
      say(`differs: ${shortId(d.id)}: lab ${d.outcomes[0]}, reference ${d.outcomes[1]}`);
    for (const d of refVsDynamic)
      say(`differs: ${shortId(d.id)}: pre-provisioned ${d.outcomes[0]}, dynamic ${d.outcomes[1]}`);
    // The newest release's outcomes differ from Zed's by design; what is checked is that they are the
    // ones written down, so a new failure or a listed one that now passes is seen.
    const newestOff = mismatches(newest, expectedNewest);
    for (const m of newestOff) say(`newest lab vs ${NEWEST_OUTCOMES}: ${describeMismatch(m, shortId)}`);
    const total = ((Date.now() - started) / 1000).toFixed(0);
    say(
      `${lab.size} ids; ${labVsRef.length} differ between the lab and the reference, ${refVsDynamic.length} between pre-provisioned and dynamic credentials, ${newestOff.length} between the newest lab and its outcomes file (${expectedNewest.size} listed); ${timings.join(', ')}; ${total} s in all`,
    );
    return labVsRef.length + refVsDynamic.length + newestOff.length === 0 ? 0 : 1;
  } finally {
    if (process.env.GLANCE_HARNESS_KEEP_TEMPEST !== '1') await rm(root, { recursive: true, force: true });
    else say(`workspaces kept in ${root}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`cannot run: ${(err as Error).message}`);
    process.exit(2);
  },
);
