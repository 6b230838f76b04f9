// One Tempest workspace per target: tempest.conf, accounts.yaml and .stestr.conf written from what
// the target is, a run of Tempest's own image API tests, and each test id's outcome read back from
// the run's subunit stream.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { failureKinds, type IdOutcome, perId } from './compare.js';
import type { Account, AdminCredentials } from './identity.js';

/** Tempest's own selection: every image API test, none skipped or edited. */
export const IMAGE_TESTS = '^tempest\\.api\\.image';

export interface TargetSpec {
  /** Identity endpoint including /v3. */
  authUrl: string;
  region: string;
  /** Pre-provisioned accounts; absent = dynamic credentials from `admin`. */
  accounts?: Account[];
  /** The admin Tempest creates dynamic accounts with. */
  admin?: AdminCredentials;
  /** What web-download imports: a loopback URL (traffic stays on this machine). */
  httpImage: string;
  /** Seconds Tempest waits for an image state (its default is 300). */
  buildTimeout?: number;
  /** The catalog type Tempest looks the image service up by (its default is `image`). */
  catalogType?: string;
  /** The target serves the image cache API (glance-api.conf sets image_cache_dir). */
  imageCaching?: boolean;
}

export type Outcome = 'success' | 'fail' | 'skip';

export interface RunResult {
  /** Every test id Tempest lists for the selection, with its outcome. */
  outcomes: Map<string, IdOutcome>;
  seconds: number;
  /** The exit status of `tempest run` (non-zero when any test failed). */
  status: number | null;
  /** Where the run's log and subunit stream are kept. */
  dir: string;
}

function ini(sections: Record<string, Record<string, string | boolean | number>>): string {
  return Object.entries(sections)
    .map(
      ([name, opts]) =>
        `[${name}]\n${Object.entries(opts)
          .map(([k, v]) => `${k} = ${String(v)}`)
          .join('\n')}\n`,
    )
    .join('\n');
}

/** tempest.conf for an image-only cloud: Glance and Keystone, nothing else. */
export function tempestConf(spec: TargetSpec, dir: string): string {
  const dynamic = spec.accounts === undefined;
  const auth: Record<string, string | boolean> = {
    use_dynamic_credentials: dynamic,
    create_isolated_networks: false,
    default_credentials_domain_name: 'Default',
  };
  if (dynamic) {
    if (!spec.admin) throw new Error('dynamic credentials need an admin');
    Object.assign(auth, {
      admin_username: spec.admin.username,
      admin_password: spec.admin.password,
      admin_project_name: spec.admin.projectName,
      admin_domain_name: 'Default',
    });
  } else {
    auth.test_accounts_file = join(dir, 'etc', 'accounts.yaml');
  }
  return ini({
    DEFAULT: { log_dir: join(dir, 'logs'), log_file: 'tempest.log', use_stderr: false },
    oslo_concurrency: { lock_path: join(dir, 'lock') },
    auth,
    identity: {
      uri_v3: spec.authUrl,
      auth_version: 'v3',
      region: spec.region,
      v3_endpoint_type: 'public',
      disable_ssl_certificate_validation: true,
    },
    'identity-feature-enabled': { api_v2: false, api_v3: true },
    service_available: {
      glance: true,
      nova: false,
      neutron: false,
      cinder: false,
      swift: false,
      heat: false,
      horizon: false,
    },
    image: {
      catalog_type: spec.catalogType ?? 'image',
      image_caching_enabled: spec.imageCaching ?? false,
      region: spec.region,
      endpoint_type: 'public',
      http_image: spec.httpImage,
      // A copy that never finishes fails after this long instead of Tempest's default 300 s.
      build_timeout: spec.buildTimeout ?? 60,
    },
    'image-feature-enabled': {
      api_v2: true,
      api_v1: false,
      import_image: true,
      os_glance_reserved: true,
      // Location tests need show_multiple_locations and an http store, which no target here has.
      manage_locations: false,
    },
  });
}

/** accounts.yaml in Tempest's pre-provisioned form. */
export function accountsYaml(accounts: Account[]): string {
  return stringify(
    accounts.map((a) => ({
      username: a.username,
      project_name: a.project,
      password: a.password,
      domain_name: 'Default',
      roles: a.roles,
      ...(a.types.length > 0 ? { types: a.types } : {}),
    })),
  );
}

/** The directory of the installed `tempest` package, or undefined when Tempest is not installed. */
export function tempestPackageDir(): string | undefined {
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', 'import os, tempest; print(os.path.dirname(tempest.__file__))'],
    {
      encoding: 'utf8',
    },
  );
  const dir = r.status === 0 ? r.stdout.trim() : '';
  return dir || undefined;
}

/** The fields of one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes). */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  fields.push(cur);
  return fields;
}

/** Parses `subunit2csv` output (test,status,start_time,stop_time) into outcomes per row id. */
export function parseCsv(csv: string): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const line of csv.split('\n').slice(1)) {
    if (!line.trim()) continue;
    const [id, status] = csvFields(line);
    if (!id || !status) continue;
    out.set(id, status === 'success' ? 'success' : status === 'skip' ? 'skip' : 'fail');
  }
  return out;
}

/** Writes the workspace and runs Tempest's image API tests there. */
export async function runTempest(
  spec: TargetSpec,
  dir: string,
  opts: { concurrency: number; log?: (line: string) => void },
): Promise<RunResult> {
  const pkg = tempestPackageDir();
  if (!pkg) throw new Error('tempest is not installed (python3 cannot import tempest)');
  await mkdir(join(dir, 'etc'), { recursive: true });
  await mkdir(join(dir, 'logs'), { recursive: true });
  await mkdir(join(dir, 'lock'), { recursive: true });
  await writeFile(join(dir, 'etc', 'tempest.conf'), tempestConf(spec, dir), { mode: 0o600 });
  if (spec.accounts)
    await writeFile(join(dir, 'etc', 'accounts.yaml'), accountsYaml(spec.accounts), { mode: 0o600 });
  await writeFile(
    join(dir, '.stestr.conf'),
    `[DEFAULT]\ntest_path=${join(pkg, 'test_discover')}\ntop_dir=${join(pkg, '..')}\ngroup_regex=([^\\.]*\\.)*\n`,
  );
  const started = process.hrtime.bigint();
  const subunit = join(dir, 'run.subunit');
  const status = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      'tempest',
      [
        'run',
        '--config-file',
        join(dir, 'etc', 'tempest.conf'),
        '--regex',
        IMAGE_TESTS,
        '--concurrency',
        String(opts.concurrency),
        '--subunit',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.pipe(createWriteStream(subunit));
    const errLog = createWriteStream(join(dir, 'run.stderr'));
    child.stderr.pipe(errLog);
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const outcomes = readOutcomes(dir);
  opts.log?.(`tempest: ${outcomes.size} ids in ${seconds.toFixed(0)} s (exit ${status})`);
  return { outcomes, seconds, status, dir };
}

/** Every listed test id's outcome in a workspace Tempest ran in (its subunit stream and stestr's record). */
export function readOutcomes(dir: string): Map<string, IdOutcome> {
  const subunit = join(dir, 'run.subunit');
  const csv = spawnSync('sh', ['-c', `subunit2csv < '${subunit}'`], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  // subunit2csv exits 1 when the stream holds a failure.
  if (csv.status !== 0 && csv.status !== 1)
    throw new Error(`subunit2csv failed on ${subunit}: ${csv.stderr.trim()}`);
  const listing = spawnSync('stestr', ['list', IMAGE_TESTS], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TEMPEST_CONFIG_DIR: join(dir, 'etc') },
    maxBuffer: 64 << 20,
  });
  if (listing.status !== 0)
    throw new Error(`stestr list failed in ${dir}: ${listing.stderr.trim().split('\n').pop()}`);
  const listed = listing.stdout.split('\n').filter((l) => l.startsWith('tempest.'));
  const failing = spawnSync('stestr', ['failing'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  return perId(listed, parseCsv(csv.stdout), failureKinds(failing.stdout));
}
