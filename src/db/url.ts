// SQLAlchemy-style database URLs, as oslo.db reads `[database] connection`.
import { ConfigError } from '../errors.js';

/** TLS for the MySQL connection, from `ssl_*` query options (PyMySQL and mysqlclient spellings). */
export interface DbTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Verify the server certificate against `ca` (or the system store). */
  readonly verify: boolean;
  /** ssl_mode=PREFERRED: fall back to a plain connection when the server has no TLS. */
  readonly preferred?: boolean;
}

/** A parsed MySQL/MariaDB connection; `display` is the URL with the password replaced by `***`. */
export interface DbConnectionSpec {
  readonly scheme: string;
  readonly user: string;
  readonly password?: string;
  readonly host?: string;
  readonly port: number;
  readonly socketPath?: string;
  readonly database: string;
  readonly charset?: string;
  readonly tls?: DbTls;
  readonly connectTimeoutMs: number;
  /** Query options the harness does not use (plugin=dbcounter, read_timeout…); reported, not fatal. */
  readonly ignoredOptions: readonly string[];
  readonly display: string;
}

const MYSQL_SCHEMES =
  /^(mysql|mariadb)(\+(pymysql|mysqldb|mysqlconnector|mariadbconnector|oursql|aiomysql|asyncmy|cymysql))?$/;
const OTHER_BACKENDS = /^(sqlite|postgresql|postgres|oracle|mssql)(\+\w+)?$/;
const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on', 'required']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);
const SSL_MODES = new Set(['disabled', 'preferred', 'required', 'verify_ca', 'verify_identity']);

interface Split {
  scheme: string;
  userinfo?: string;
  hostport: string;
  database: string;
  query: string;
}

/** scheme://[user[:password]@]host[:port]/database[?query]; the password may hold a raw `@` (last `@` wins). */
function split(url: string): Split | undefined {
  const m = /^([A-Za-z][\w+.-]*):\/\/(.*)$/s.exec(url);
  if (!m) return undefined;
  const scheme = (m[1] as string).toLowerCase();
  let rest = m[2] as string;
  let query = '';
  const q = rest.indexOf('?', rest.lastIndexOf('@') + 1);
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : undefined;
  const tail = at >= 0 ? rest.slice(at + 1) : rest;
  const slash = tail.indexOf('/');
  return {
    scheme,
    ...(userinfo === undefined ? {} : { userinfo }),
    hostport: slash >= 0 ? tail.slice(0, slash) : tail,
    database: slash >= 0 ? tail.slice(slash + 1) : '',
    query,
  };
}

/** The URL with its password replaced by `***` (also when the URL is malformed). */
export function maskDbUrl(url: string): string {
  const s = split(url.trim());
  if (!s) return url.replace(/:[^:@/]*@/, ':***@');
  if (s.userinfo === undefined) return url.trim();
  const colon = s.userinfo.indexOf(':');
  const user = colon >= 0 ? s.userinfo.slice(0, colon) : s.userinfo;
  const pass = colon >= 0 ? ':***' : '';
  return `${s.scheme}://${user}${pass}@${s.hostport}${s.database === '' ? '' : `/${s.database}`}${s.query === '' ? '' : `?${s.query}`}`;
}

function decode(part: string, what: string, fail: (why: string) => never): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(`${what} has a malformed %-escape`);
  }
}

function flag(value: string, name: string, fail: (why: string) => never): boolean {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return fail(`${name} must be true or false (got ${JSON.stringify(value)})`);
}

/**
 * Parses a Glance DB URL: `mysql://`, `mysql+pymysql://` (and the other MySQL drivers, `mariadb://`),
 * user and %-encoded password, host or `[ipv6]`, port, database, and the query options `charset`,
 * `unix_socket`, `connect_timeout`, `ssl_ca`, `ssl_cert`, `ssl_key`, `ssl_verify_cert`,
 * `ssl_check_hostname`, `ssl_mode`, `ssl`. `where` names the setting in errors (`--db`,
 * `/etc/glance/glance-api.conf:11 [database] connection`); the password never appears in them.
 */
export function parseDbUrl(raw: string, where: string): DbConnectionSpec {
  const url = raw.trim();
  const shown = maskDbUrl(url);
  const fail = (why: string): never => {
    throw new ConfigError(`${where}: ${why} (got ${JSON.stringify(shown)})`);
  };
  if (url === '') throw new ConfigError(`${where} is empty: give mysql://user:password@host:port/glance`);
  const s = split(url);
  if (!s) return fail('not a database URL; expected mysql+pymysql://user:password@host:port/glance');
  if (OTHER_BACKENDS.test(s.scheme)) {
    return fail(
      `${s.scheme.split('+')[0]} is not supported: glance-harness checks MySQL and MariaDB databases`,
    );
  }
  if (!MYSQL_SCHEMES.test(s.scheme)) {
    return fail(`unknown scheme "${s.scheme}"; use mysql://, mysql+pymysql:// or mariadb://`);
  }

  let user = '';
  let password: string | undefined;
  if (s.userinfo !== undefined) {
    const colon = s.userinfo.indexOf(':');
    user = decode(colon >= 0 ? s.userinfo.slice(0, colon) : s.userinfo, 'the user name', fail);
    if (colon >= 0) password = decode(s.userinfo.slice(colon + 1), 'the password', fail);
  }
  if (user === '') return fail('no user name (mysql://USER:password@host/glance)');

  let host: string | undefined;
  let portText: string | undefined;
  if (s.hostport.startsWith('[')) {
    const close = s.hostport.indexOf(']');
    if (close < 0) return fail('an IPv6 host needs a closing "]"');
    host = s.hostport.slice(1, close);
    const after = s.hostport.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return fail(`unexpected "${after}" after the IPv6 host`);
    if (after.startsWith(':')) portText = after.slice(1);
  } else {
    const colon = s.hostport.lastIndexOf(':');
    host = colon >= 0 ? s.hostport.slice(0, colon) : s.hostport;
    if (colon >= 0) portText = s.hostport.slice(colon + 1);
  }
  host = host === '' ? undefined : decode(host, 'the host', fail);
  if (host !== undefined && /[\s/@]/.test(host)) return fail(`host "${host}" is not a host name or address`);
  let port = 3306;
  if (portText !== undefined) {
    const n = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      return fail(`port "${portText}" is not a number from 1 to 65535`);
    port = n;
  }

  const database = decode(s.database.replace(/\/+$/, ''), 'the database name', fail);
  if (database === '') return fail('no database name (mysql://user:password@host/DATABASE)');
  if (/[/\s`]/.test(database)) return fail(`database name "${database}" is not valid`);

  const options = new Map<string, string>();
  if (s.query !== '') {
    for (const pair of s.query.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decode(eq >= 0 ? pair.slice(0, eq) : pair, 'a query option name', fail).toLowerCase();
      const value = decode((eq >= 0 ? pair.slice(eq + 1) : '').replace(/\+/g, ' '), `option ${name}`, fail);
      options.set(name, value);
    }
  }

  let socketPath: string | undefined;
  let charset: string | undefined;
  let connectTimeoutMs = 10_000;
  const tls: {
    ca?: string;
    cert?: string;
    key?: string;
    verify?: boolean;
    on?: boolean;
    preferred?: boolean;
  } = {};
  const ignored: string[] = [];
  for (const [name, value] of options) {
    switch (name) {
      case 'unix_socket':
        if (!value.startsWith('/')) return fail(`unix_socket must be an absolute path (got "${value}")`);
        socketPath = value;
        break;
      case 'charset':
        if (!/^\w+$/.test(value)) return fail(`charset "${value}" is not a character set name`);
        charset = value;
        break;
      case 'connect_timeout': {
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0)
          return fail(`connect_timeout must be a number of seconds (got "${value}")`);
        connectTimeoutMs = Math.round(n * 1000);
        break;
      }
      case 'ssl_ca':
      case 'ssl_cert':
      case 'ssl_key':
        if (value === '') return fail(`${name} needs a file path`);
        tls[name.slice(4) as 'ca' | 'cert' | 'key'] = value;
        tls.on = true;
        break;
      case 'ssl':
        tls.on = flag(value, name, fail);
        break;
      case 'ssl_verify_cert':
      case 'ssl_check_hostname':
        tls.verify = flag(value, name, fail);
        tls.on = tls.on ?? true;
        break;
      case 'ssl_mode': {
        const mode = value.trim().toLowerCase();
        if (!SSL_MODES.has(mode)) {
          return fail(
            `ssl_mode must be one of ${[...SSL_MODES].map((m) => m.toUpperCase()).join(', ')} (got "${value}")`,
          );
        }
        tls.on = mode !== 'disabled';
        if (mode === 'verify_ca' || mode === 'verify_identity') tls.verify = true;
        if (mode === 'required' || mode === 'preferred') tls.verify = tls.verify ?? false;
        if (mode === 'preferred') tls.preferred = true;
        break;
      }
      default:
        if (name.startsWith('ssl')) return fail(`unknown TLS option "${name}"`);
        ignored.push(name);
    }
  }
  if (tls.key !== undefined && tls.cert === undefined) return fail('ssl_key is set without ssl_cert');
  if (host === undefined && socketPath === undefined) {
    return fail('no host and no unix_socket (mysql://user:password@HOST/glance or ?unix_socket=/path)');
  }

  const tlsSpec: DbTls | undefined = tls.on
    ? {
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
        verify: tls.verify ?? tls.ca !== undefined,
        ...(tls.preferred ? { preferred: true } : {}),
      }
    : undefined;
  return Object.freeze({
    scheme: s.scheme,
    user,
    ...(password === undefined ? {} : { password }),
    ...(host === undefined ? {} : { host }),
    port,
    ...(socketPath === undefined ? {} : { socketPath }),
    database,
    ...(charset === undefined ? {} : { charset }),
    ...(tlsSpec === undefined ? {} : { tls: tlsSpec }),
    connectTimeoutMs,
    ignoredOptions: ignored,
    display: shown,
  });
}
