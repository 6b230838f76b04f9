// The one MySQL connection of a DB check: read-only session, SELECTs on information_schema and glance tables.
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { ConfigError, describeError } from '../errors.js';
import type { DbConnectionSpec } from './url.js';

/** Why the database could not be used: a stable code and one line (never the password). */
export interface DbError {
  readonly code: string;
  readonly message: string;
}

/** A DB the harness could not reach or log in to (exit 3). */
export class DbUnreachableError extends Error {
  readonly dbError: DbError;

  constructor(dbError: DbError) {
    super(dbError.message);
    this.name = 'DbUnreachableError';
    this.dbError = dbError;
  }
}

type Row = Record<string, unknown>;

/** Read-only access to one Glance database. */
export interface DbSession {
  readonly spec: DbConnectionSpec;
  readonly serverVersion: string;
  /** Runs one SELECT with placeholders and returns its rows. */
  select<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function readPem(path: string, option: string, spec: DbConnectionSpec): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${option} ${path} in ${spec.display} is not readable: ${describeError(err)}`);
  }
}

function where(spec: DbConnectionSpec): string {
  return spec.socketPath ? `socket ${spec.socketPath}` : `${spec.host}:${spec.port}`;
}

/** One line for a connection failure, from the driver's error code. */
export function describeDbError(err: unknown, spec: DbConnectionSpec): DbError {
  const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string };
  const code = e.code ?? 'UNKNOWN';
  const at = where(spec);
  const text = (e.sqlMessage ?? e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 300);
  const spelled: Record<string, string> = {
    ECONNREFUSED: `MySQL unreachable at ${at}: connection refused (ECONNREFUSED)`,
    ENOENT: `MySQL unreachable at ${at}: no such socket (ENOENT)`,
    ETIMEDOUT: `MySQL unreachable at ${at}: no answer within ${spec.connectTimeoutMs / 1000} s (ETIMEDOUT)`,
    ENOTFOUND: `MySQL host "${spec.host}" not found (ENOTFOUND)`,
    EHOSTUNREACH: `MySQL unreachable at ${at}: host unreachable (EHOSTUNREACH)`,
    ER_ACCESS_DENIED_ERROR: `MySQL at ${at} refused user "${spec.user}": ${text}`,
    ER_DBACCESS_DENIED_ERROR: `MySQL at ${at}: user "${spec.user}" may not use database "${spec.database}"`,
    ER_BAD_DB_ERROR: `MySQL at ${at} has no database "${spec.database}"`,
  };
  return { code, message: spelled[code] ?? `MySQL at ${at}: ${text} (${code})` };
}

/** Connects with the spec's TLS and timeout and makes the session read-only; throws DbUnreachableError. */
export async function openDb(spec: DbConnectionSpec): Promise<DbSession> {
  const ssl = spec.tls
    ? {
        ...(spec.tls.ca ? { ca: readPem(spec.tls.ca, 'ssl_ca', spec) } : {}),
        ...(spec.tls.cert ? { cert: readPem(spec.tls.cert, 'ssl_cert', spec) } : {}),
        ...(spec.tls.key ? { key: readPem(spec.tls.key, 'ssl_key', spec) } : {}),
        rejectUnauthorized: spec.tls.verify,
      }
    : undefined;
  const options = {
    user: spec.user,
    ...(spec.password === undefined ? {} : { password: spec.password }),
    ...(spec.socketPath
      ? { socketPath: spec.socketPath }
      : { host: spec.host ?? '127.0.0.1', port: spec.port }),
    database: spec.database,
    ...(spec.charset ? { charset: spec.charset } : {}),
    connectTimeout: spec.connectTimeoutMs,
    supportBigNumbers: true,
    dateStrings: true,
  };
  let conn: mysql.Connection;
  try {
    conn = await mysql
      .createConnection({ ...options, ...(ssl ? { ssl } : {}) })
      .catch((err: { code?: string }) => {
        if (spec.tls?.preferred && err.code === 'HANDSHAKE_NO_SSL_SUPPORT')
          return mysql.createConnection(options);
        throw err;
      });
  } catch (err) {
    if (err instanceof TypeError && /charset/i.test(err.message)) {
      throw new ConfigError(`charset "${spec.charset}" in ${spec.display} is not a MySQL character set`);
    }
    throw new DbUnreachableError(describeDbError(err, spec));
  }
  conn.on('error', () => undefined);
  try {
    // Belt and braces beside a SELECT-only user: the session refuses writes.
    await conn.query('SET SESSION TRANSACTION READ ONLY');
    const [rows] = await conn.query('SELECT VERSION() AS v');
    const serverVersion = String((rows as Row[])[0]?.v ?? 'unknown');
    return {
      spec,
      serverVersion,
      async select<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
        if (!/^\s*SELECT\b/i.test(sql))
          throw new Error(`only SELECT statements are allowed (got "${sql.slice(0, 40)}")`);
        const [result] = await conn.query(sql, params as unknown[]);
        return result as T[];
      },
      async close(): Promise<void> {
        await conn.end().catch(() => conn.destroy());
      },
    };
  } catch (err) {
    conn.destroy();
    throw new DbUnreachableError(describeDbError(err, spec));
  }
}
