// The schema the DB claims: its tables and alembic head, read against the release families.
import type { DbSession } from './client.js';
import { apiMinor, FAMILIES, type FamilyId, type ReleaseFamily, readHead } from './families.js';
import { type DbFinding, finding } from './findings.js';

export interface SchemaFacts {
  readonly tables: readonly string[];
  /** `alembic_version.version_num`; null when the table is missing or empty. */
  readonly alembicHead: string | null;
  /** The release family the head belongs to, when it is a known one. */
  readonly family: FamilyId | null;
  readonly findings: readonly DbFinding[];
}

/** Lists the tables of the session's database (information_schema) and reads the alembic head. */
export async function readSchema(db: DbSession): Promise<{ tables: string[]; alembicHead: string | null }> {
  const rows = await db.select<{ name: string }>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [db.spec.database],
  );
  const tables = rows.map((r) => String(r.name));
  let alembicHead: string | null = null;
  if (tables.includes('alembic_version')) {
    const heads = await db.select<{ v: string }>(
      `SELECT version_num AS v FROM \`${db.spec.database}\`.alembic_version`,
    );
    alembicHead = heads.length > 0 ? String(heads[0]?.v) : null;
  }
  return { tables, alembicHead };
}

/** Findings about the schema alone: empty, no head, missing tables, unknown/older head, pending contract. */
export function judgeSchema(database: string, tables: readonly string[], head: string | null): SchemaFacts {
  const base = { tables, alembicHead: head };
  if (tables.length === 0) return { ...base, family: null, findings: [finding.notSynced(database)] };
  if (head === null) return { ...base, family: null, findings: [finding.headMissing(tables.length)] };
  const reading = readHead(head);
  if (reading.kind === 'unknown') return { ...base, family: null, findings: [finding.headUnknown(head)] };
  if (reading.kind === 'older') return { ...base, family: null, findings: [finding.headOlder(head)] };
  const family = reading.family;
  const present = new Set(tables);
  const missing = family.tables.filter((t) => !present.has(t));
  const findings: DbFinding[] = [];
  if (missing.length > 0) findings.push(finding.tablesMissing(missing, family.label, head));
  if (reading.kind === 'expanded') findings.push(finding.pendingMigrations(head, family.label));
  return { ...base, family: family.id, findings };
}

/** The outcome of comparing the DB's release with what the API and the operator say. */
export interface ReleaseCheck {
  /** CURRENT version of the API's versions document, when it was read. */
  readonly apiCurrent?: string;
  readonly expected?: FamilyId;
  readonly consistent: boolean;
  readonly note: string;
  readonly finding?: DbFinding;
}

function familyOf(id: FamilyId): ReleaseFamily {
  return FAMILIES.find((f) => f.id === id) as ReleaseFamily;
}

/**
 * Cross-checks the DB family against the CURRENT version the API serves (only v2.17+ tells a
 * 2024.2+ glance-api apart) and against `expected`, the release the operator says is deployed.
 */
export function crossCheckRelease(
  dbFamily: FamilyId | null,
  apiCurrent: string | undefined,
  expected?: FamilyId,
): ReleaseCheck {
  const info = { ...(apiCurrent === undefined ? {} : { apiCurrent }), ...(expected ? { expected } : {}) };
  if (dbFamily === null) {
    return { ...info, consistent: true, note: 'no release cross-check: the database names no known release' };
  }
  const db = familyOf(dbFamily);
  if (expected !== undefined && expected !== dbFamily) {
    const detail = `the deployment is ${familyOf(expected).label} (--release) but the database is at ${db.head} (${db.label})`;
    return { ...info, consistent: false, note: detail, finding: finding.releaseMismatch(detail) };
  }
  if (apiCurrent === undefined) {
    return { ...info, consistent: true, note: 'not cross-checked with the API (its versions were not read)' };
  }
  const minor = apiMinor(apiCurrent);
  if (minor === undefined) {
    return { ...info, consistent: true, note: `API CURRENT is ${apiCurrent}, not v2.N: not cross-checked` };
  }
  const [low, high] = db.apiMinors;
  if (minor > high) {
    const detail =
      `the API serves ${apiCurrent} (a newer glance-api than ${db.label}) but the database is at ${db.head}: ` +
      'glance-manage db_sync was not run after the upgrade';
    return { ...info, consistent: false, note: detail, finding: finding.releaseMismatch(detail) };
  }
  if (minor < low) {
    const detail = `the API serves ${apiCurrent} (older than ${db.label}) but the database is at ${db.head}`;
    return { ...info, consistent: false, note: detail, finding: finding.releaseMismatch(detail) };
  }
  return { ...info, consistent: true, note: `API ${apiCurrent} is consistent with a ${db.label} database` };
}
