/**
 * Lint of glance-api.conf (oslo.config INI, parsed with line numbers): the settings a working Glance
 * needs, deprecated options, and — for a local file store — the directory itself.
 */
import { readFileSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type OsloIni, readOsloIni } from '../config/oslo-ini.js';
import { SECRETS } from '../util/mask.js';

export interface LintFinding {
  /** Stable id: `config.*` for settings, `store.*` for the store directory (diagnosis facts). */
  id: string;
  severity: 'error' | 'warning';
  /** `glance-api.conf:12 [glance_store] stores: …` */
  message: string;
}

export interface ConfigFacts {
  findings: LintFinding[];
  /** [database] connection, when set (secret: never print it unmasked). */
  databaseUrl?: string;
  storeKind?: 'file' | 'swift' | 'other';
  /** Local directories of file stores. */
  storeDirs: string[];
  /** Where glance-api listens ([DEFAULT] bind_host, bind_port; oslo defaults 0.0.0.0:9292). */
  bind: { host: string; port: number };
  /** [DEFAULT] image_size_cap (Glance's default 1 TiB when unset): larger uploads answer 413. */
  imageSizeCap: { bytes: number; where: string };
  /** Free bytes (for unprivileged users, as statfs reports) of each file store's filesystem. */
  storeFree: Array<{ dir: string; bytes: number }>;
  /** The swift account the default store writes to, when it is swift and its reference is readable. */
  swift?: SwiftRef;
}

/** Credentials of a swift store reference (glance-swift-store.conf, or the single-tenant options). */
export interface SwiftRef {
  authAddress: string;
  user: string;
  /** Secret: never printed. */
  key: string;
  authVersion: string;
  container: string;
  /** Where the reference was read, e.g. "/etc/glance/glance-swift-store.conf [ref1]". */
  where: string;
}

/** Glance's default [DEFAULT] image_size_cap: 1 TiB. */
export const DEFAULT_IMAGE_SIZE_CAP = 1024 ** 4;

/** Where Glance keeps the OS facts the lint reads; tests point these at fixtures. */
export interface LintHost {
  passwd: string;
  group: string;
  fstab: string;
  /** The service user that must write the store. */
  user: string;
}

export const DEFAULT_HOST: LintHost = {
  passwd: '/etc/passwd',
  group: '/etc/group',
  fstab: '/etc/fstab',
  user: 'glance',
};

/** Options deprecated or removed by Zed, with what to use instead. */
const DEPRECATED: ReadonlyArray<[section: string, key: string, advice: string]> = [
  ['glance_store', 'stores', 'deprecated: list backends in [DEFAULT] enabled_backends (e.g. fs:file)'],
  ['glance_store', 'default_store', 'deprecated: use [glance_store] default_backend with enabled_backends'],
  ['glance_store', 'filesystem_store_datadir', 'deprecated here: set it in the backend section, e.g. [fs]'],
  ['keystone_authtoken', 'auth_uri', 'deprecated: use www_authenticate_uri'],
  ['DEFAULT', 'enable_v1_api', 'removed: the v1 API is gone (Rocky)'],
  ['DEFAULT', 'enable_v2_api', 'removed: v2 is always on'],
  ['DEFAULT', 'registry_host', 'removed with glance-registry (Ussuri)'],
  ['DEFAULT', 'sql_connection', 'deprecated: use [database] connection'],
];

const AUTHTOKEN_REQUIRED = [
  'www_authenticate_uri',
  'auth_url',
  'auth_type',
  'username',
  'password',
  'project_name',
];

/** Lints a parsed glance-api.conf; `host` facts decide the store directory checks. */
export function lintGlanceConfig(ini: OsloIni, host: LintHost = DEFAULT_HOST): ConfigFacts {
  const findings: LintFinding[] = [];
  const where = (section: string, key?: string): string => {
    const line = key ? ini.get(section, key)?.line : undefined;
    return `${ini.path}${line ? `:${line}` : ''} [${section}]${key ? ` ${key}` : ''}`;
  };
  const add = (id: string, severity: LintFinding['severity'], message: string): void => {
    findings.push({ id, severity, message });
  };
  const val = (section: string, key: string): string | undefined => {
    const v = ini.get(section, key)?.value.trim();
    return v === '' ? undefined : v;
  };

  const databaseUrl = val('database', 'connection') ?? val('DEFAULT', 'sql_connection');
  if (!databaseUrl)
    add(
      'config.database-missing',
      'error',
      `${where('database')} connection is not set: Glance cannot reach its database`,
    );
  else if (/^sqlite/.test(databaseUrl))
    add('config.database-sqlite', 'warning', `${where('database', 'connection')}: SQLite is for tests only`);
  else if (/^mysql:\/\//.test(databaseUrl))
    add(
      'config.database-driver',
      'warning',
      `${where('database', 'connection')}: mysql:// needs MySQLdb; Debian and Ubuntu ship PyMySQL: use mysql+pymysql://`,
    );

  const flavor = val('paste_deploy', 'flavor');
  if (!flavor)
    add(
      'config.noauth',
      'warning',
      `${where('paste_deploy')} flavor is not set: every request runs as an unauthenticated admin (set flavor = keystone)`,
    );
  else if (flavor.includes('keystone')) {
    const missing = AUTHTOKEN_REQUIRED.filter(
      (k) =>
        !val('keystone_authtoken', k) &&
        !(k === 'www_authenticate_uri' && val('keystone_authtoken', 'auth_uri')),
    );
    if (missing.length > 0)
      add(
        'config.authtoken-incomplete',
        'error',
        `${where('keystone_authtoken')} is missing ${missing.join(', ')}: Glance cannot validate tokens`,
      );
  } else if (!/^(keystone|trusted-auth|noauth)?(\+\w+)*$/.test(flavor))
    add(
      'config.flavor-unknown',
      'warning',
      `${where('paste_deploy', 'flavor')} "${flavor}" is not a known pipeline flavor`,
    );

  for (const [section, key, advice] of DEPRECATED) {
    if (ini.get(section, key)) add('config.deprecated', 'warning', `${where(section, key)}: ${advice}`);
  }

  const stores = storesOf(add, where, val);
  const storeDirs = [...new Set(stores.dirs.map((d) => resolve(d)))];
  for (const dir of storeDirs) findings.push(...checkStoreDir(dir, host));
  const swift =
    stores.kind === 'swift' && stores.section ? swiftOf(stores.section, add, where, val) : undefined;
  const port = Number(val('DEFAULT', 'bind_port') ?? 9292);
  const capText = val('DEFAULT', 'image_size_cap');
  // oslo.config IntOpt, min 1, max 2^63: glance-api refuses to start outside that.
  const capValid =
    capText === undefined || (/^\d+$/.test(capText) && BigInt(capText) >= 1n && BigInt(capText) <= 2n ** 63n);
  if (!capValid)
    add(
      'config.invalid-value',
      'error',
      `${where('DEFAULT', 'image_size_cap')} "${capText}" is not a size in bytes from 1 to 2^63: glance-api will not start`,
    );
  return {
    findings,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(stores.kind ? { storeKind: stores.kind } : {}),
    storeDirs,
    ...(swift ? { swift } : {}),
    bind: { host: val('DEFAULT', 'bind_host') ?? '0.0.0.0', port: Number.isInteger(port) ? port : 9292 },
    imageSizeCap: {
      bytes: capText !== undefined && capValid ? Number(capText) : DEFAULT_IMAGE_SIZE_CAP,
      where: capText === undefined ? 'unset: the 1 TiB default' : where('DEFAULT', 'image_size_cap'),
    },
    storeFree: storeDirs.flatMap((dir) => {
      try {
        const fs = statfsSync(dir);
        return [{ dir, bytes: fs.bavail * fs.bsize }];
      } catch {
        return [];
      }
    }),
  };
}

function storesOf(
  add: (id: string, severity: LintFinding['severity'], message: string) => void,
  where: (section: string, key?: string) => string,
  val: (section: string, key: string) => string | undefined,
): { kind?: ConfigFacts['storeKind']; dirs: string[]; section?: string } {
  const enabled = val('DEFAULT', 'enabled_backends');
  if (enabled) {
    const backends = new Map<string, string>();
    for (const part of enabled
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [id, type] = part.split(':').map((s) => s.trim());
      if (!id || !type)
        add(
          'config.store-backend-unknown',
          'error',
          `${where('DEFAULT', 'enabled_backends')}: "${part}" is not id:type`,
        );
      else backends.set(id, type);
    }
    const def = val('glance_store', 'default_backend');
    if (!def) {
      add(
        'config.store-backend-unknown',
        'error',
        `${where('glance_store')} default_backend is not set although enabled_backends is`,
      );
      return { dirs: [] };
    }
    const type = backends.get(def);
    if (!type) {
      add(
        'config.store-backend-unknown',
        'error',
        `${where('glance_store', 'default_backend')} "${def}" is not in enabled_backends (${[...backends.keys()].join(', ')})`,
      );
      return { dirs: [] };
    }
    const dirs: string[] = [];
    for (const [id, t] of backends) {
      if (t !== 'file') continue;
      const dir = val(id, 'filesystem_store_datadir');
      if (dir) dirs.push(dir);
      else
        add(
          'config.store-dir-unset',
          'error',
          `${where(id)} filesystem_store_datadir is not set for file backend "${id}"`,
        );
    }
    return { kind: kindOf(type), dirs, section: def };
  }
  const legacy = val('glance_store', 'default_store') ?? 'file';
  const dir = val('glance_store', 'filesystem_store_datadir') ?? '/var/lib/glance/images/';
  return { kind: kindOf(legacy), dirs: legacy === 'file' ? [dir] : [], section: 'glance_store' };
}

/**
 * The swift reference of the default backend: `swift_store_config_file` with `default_swift_reference`,
 * or the single-tenant options in the backend's own section.
 */
function swiftOf(
  section: string,
  add: (id: string, severity: LintFinding['severity'], message: string) => void,
  where: (section: string, key?: string) => string,
  val: (section: string, key: string) => string | undefined,
): SwiftRef | undefined {
  const container = val(section, 'swift_store_container') ?? 'glance';
  const file = val(section, 'swift_store_config_file');
  if (!file) {
    const authAddress = val(section, 'swift_store_auth_address');
    const user = val(section, 'swift_store_user');
    const key = val(section, 'swift_store_key');
    if (!authAddress || !user || !key) return undefined;
    const authVersion = val(section, 'swift_store_auth_version') ?? '2';
    SECRETS.add(key);
    return { authAddress, user, key, authVersion, container, where: where(section) };
  }
  const ref = val(section, 'default_swift_reference') ?? 'ref1';
  let refs: OsloIni;
  try {
    refs = readOsloIni(file);
  } catch (err) {
    add(
      'config.swift-reference',
      'warning',
      `${where(section, 'swift_store_config_file')}: ${(err as Error).message}`,
    );
    return undefined;
  }
  const get = (key: string): string | undefined => refs.get(ref, key)?.value.trim() || undefined;
  const authAddress = get('auth_address');
  const user = get('user');
  const key = get('key');
  if (!authAddress || !user || !key) {
    add('config.swift-reference', 'warning', `${file} [${ref}] lacks auth_address, user or key`);
    return undefined;
  }
  SECRETS.add(key);
  return {
    authAddress,
    user,
    key,
    authVersion: get('auth_version') ?? '2',
    container,
    where: `${file} [${ref}]`,
  };
}

function kindOf(type: string): ConfigFacts['storeKind'] {
  if (type === 'file') return 'file';
  if (type === 'swift') return 'swift';
  return 'other';
}

interface Account {
  uid: number;
  gids: number[];
}

function accountOf(host: LintHost): Account | undefined {
  try {
    const line = readFileSync(host.passwd, 'utf8')
      .split('\n')
      .find((l) => l.split(':')[0] === host.user);
    if (!line) return undefined;
    const f = line.split(':');
    const uid = Number(f[2]);
    const gids = [Number(f[3])];
    for (const g of readFileSync(host.group, 'utf8').split('\n')) {
      const p = g.split(':');
      if ((p[3] ?? '').split(',').includes(host.user)) gids.push(Number(p[2]));
    }
    return { uid, gids };
  } catch {
    return undefined;
  }
}

function fstabMounts(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/\s+/)[1] ?? '')
      .filter(Boolean)
      .map((p) => resolve(p));
  } catch {
    return [];
  }
}

/** Exists, is a mount point when /etc/fstab says it should be, is writable by the glance user, has room. */
export function checkStoreDir(dir: string, host: LintHost = DEFAULT_HOST): LintFinding[] {
  const out: LintFinding[] = [];
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch (err) {
    return [
      {
        id: 'store.dir-missing',
        severity: 'error',
        message: `store directory ${dir} does not exist (${(err as NodeJS.ErrnoException).code})`,
      },
    ];
  }
  if (!st.isDirectory())
    return [{ id: 'store.dir-missing', severity: 'error', message: `store path ${dir} is not a directory` }];
  if (fstabMounts(host.fstab).includes(dir)) {
    const parent = statSync(dirname(dir));
    if (parent.dev === st.dev)
      out.push({
        id: 'store.not-mounted',
        severity: 'error',
        message: `store directory ${dir} is listed in ${host.fstab} but nothing is mounted on it`,
      });
  }
  const account = accountOf(host);
  if (!account) {
    out.push({
      id: 'store.user-unknown',
      severity: 'warning',
      message: `no "${host.user}" user on this host: write access to ${dir} not checked`,
    });
  } else if (account.uid !== 0) {
    const mode = Number(st.mode);
    const bits =
      st.uid === account.uid
        ? (mode >> 6) & 7
        : account.gids.includes(Number(st.gid))
          ? (mode >> 3) & 7
          : mode & 7;
    if ((bits & 3) !== 3)
      out.push({
        id: 'store.dir-unwritable',
        severity: 'error',
        message: `store directory ${dir} (mode ${(mode & 0o777).toString(8)}, uid ${st.uid}, gid ${st.gid}) is not writable by ${host.user}`,
      });
  }
  try {
    const fs = statfsSync(dir);
    if (fs.bavail * fs.bsize < 1024 * 1024)
      out.push({
        id: 'store.dir-full',
        severity: 'error',
        message: `store filesystem of ${dir} has ${fs.bavail * fs.bsize} bytes free`,
      });
  } catch {
    // statfs is informational; a failure leaves the other checks standing.
  }
  return out;
}
