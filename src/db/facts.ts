// DbFacts: what one read-only look at the Glance database shows, for `db check`, the @db suite and doctor.
import type { ResolvedConfig } from '../config/index.js';
import { type DbError, DbUnreachableError, describeDbError, openDb } from './client.js';
import { type DriftFacts, readDrift } from './drift.js';
import type { FamilyId } from './families.js';
import type { DbFinding } from './findings.js';
import { crossCheckRelease, judgeSchema, type ReleaseCheck, readSchema } from './schema.js';
import { resolveDbTarget } from './source.js';
import type { DbConnectionSpec } from './url.js';

/** The typed result a doctor step or a diagnosis rule reads (`findings[].id` such as db.not-synced). */
export interface DbFacts {
  /** The connection, password masked. */
  readonly database: string;
  readonly reachable: boolean;
  readonly error?: DbError;
  readonly serverVersion?: string;
  readonly tables: readonly string[];
  readonly alembicHead: string | null;
  readonly family: FamilyId | null;
  readonly release?: ReleaseCheck;
  readonly drift?: DriftFacts;
  readonly findings: readonly DbFinding[];
}

export interface GatherOptions {
  /** CURRENT version id from the API's versions document (`v2.15`), for the release cross-check. */
  apiCurrent?: string;
  /** The release family the operator says is deployed. */
  expectedFamily?: FamilyId;
  /** Skip the drift queries (a schema-only look). */
  skipDrift?: boolean;
}

/** Connects read-only, reads tables, head, drift and the release cross-check; never throws for a dead DB. */
export async function gatherDbFacts(spec: DbConnectionSpec, opts: GatherOptions = {}): Promise<DbFacts> {
  const unreachable = (error: DbError): DbFacts => ({
    database: spec.display,
    reachable: false,
    error,
    tables: [],
    alembicHead: null,
    family: null,
    findings: [],
  });
  let db: Awaited<ReturnType<typeof openDb>>;
  try {
    db = await openDb(spec);
  } catch (err) {
    if (err instanceof DbUnreachableError) return unreachable(err.dbError);
    throw err;
  }
  try {
    const { tables, alembicHead } = await readSchema(db);
    const schema = judgeSchema(spec.database, tables, alembicHead);
    const release = crossCheckRelease(schema.family, opts.apiCurrent, opts.expectedFamily);
    const canDrift = !opts.skipDrift && tables.includes('images') && tables.includes('image_locations');
    const drift = canDrift ? await readDrift(db) : undefined;
    return {
      database: spec.display,
      reachable: true,
      serverVersion: db.serverVersion,
      tables,
      alembicHead,
      family: schema.family,
      release,
      ...(drift ? { drift } : {}),
      findings: [
        ...schema.findings,
        ...(release.finding ? [release.finding] : []),
        ...(drift?.findings ?? []),
      ],
    };
  } catch (err) {
    return unreachable(describeDbError(err, spec));
  } finally {
    await db.close();
  }
}

/**
 * DbFacts for whatever database the configuration names (--db, GLANCE_HARNESS_DB_URL, --glance-config),
 * or undefined when it names none; a bad setting throws ConfigError. The entry point for a doctor step.
 */
export async function gatherConfiguredDbFacts(
  cfg: ResolvedConfig,
  opts: GatherOptions = {},
): Promise<DbFacts | undefined> {
  const target = resolveDbTarget(cfg);
  return target ? gatherDbFacts(target.spec, opts) : undefined;
}
