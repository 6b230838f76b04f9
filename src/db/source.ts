// Which database to read: --db / GLANCE_HARNESS_DB_URL, else glance-api.conf's [database] connection.
import type { ResolvedConfig } from '../config/index.js';
import { describeSource } from '../config/index.js';
import { readOsloIni } from '../config/oslo-ini.js';
import { ConfigError, InputError } from '../errors.js';
import { type DbConnectionSpec, parseDbUrl } from './url.js';

export interface DbTarget {
  readonly spec: DbConnectionSpec;
  /** Where the URL came from: `flag --db`, `env GLANCE_HARNESS_DB_URL`, `/etc/glance/glance-api.conf:11`. */
  readonly from: string;
}

/** How to give DB access, for skip reasons and errors. */
export const DB_ACCESS_HINT =
  'set --db mysql://user:password@host:port/glance, GLANCE_HARNESS_DB_URL, or --glance-config /etc/glance/glance-api.conf';

/**
 * The database the configuration names, or undefined when it names none: a flag beats the environment,
 * and at the same level the URL beats the glance-api.conf. Bad values throw ConfigError (exit 2).
 */
export function resolveDbTarget(cfg: ResolvedConfig): DbTarget | undefined {
  const url = cfg.db.url;
  const fileFlag = cfg.db.glanceConfig?.source.kind === 'flag';
  if (url !== undefined && (url.source.kind === 'flag' || !fileFlag)) {
    const label =
      url.source.kind === 'flag' || url.source.kind === 'env' ? url.source.name : describeSource(url.source);
    return { spec: parseDbUrl(url.value, label), from: describeSource(url.source) };
  }
  const file = cfg.db.glanceConfig;
  if (file === undefined) return undefined;
  let ini: ReturnType<typeof readOsloIni>;
  try {
    ini = readOsloIni(file.value);
  } catch (err) {
    if (err instanceof InputError)
      throw new ConfigError(`${err.message} (from ${describeSource(file.source)})`);
    throw err;
  }
  const entry = ini.get('database', 'connection');
  if (entry === undefined || entry.value.trim() === '') {
    throw new ConfigError(
      `${file.value} has no [database] connection (from ${describeSource(file.source)}); give the URL with --db instead`,
    );
  }
  const at = `${file.value}:${entry.line} [database] connection`;
  return { spec: parseDbUrl(entry.value, at), from: at };
}
