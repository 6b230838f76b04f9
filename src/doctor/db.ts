/**
 * The doctor's database step talks to the database through a provider the caller injects (the db
 * module's read-only checks): doctor itself opens no connection.
 */
import type { DbFacts } from '../diagnosis/index.js';

/** Where the database URL came from, for the step's evidence line. */
export interface DbTarget {
  /** `mysql+pymysql://user:pass@host/db` or `mysql://…`; secret, never printed unmasked. */
  url: string;
  source: '--db' | '--config';
}

/** Read-only database checks: reachable, tables, alembic head, and finding ids such as `db.not-synced`. */
export type DbProvider = (target: DbTarget) => Promise<DbFacts>;

/** The URL with its password replaced by ***. */
export function maskDbUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
