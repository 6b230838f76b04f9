// What a DB check can find, as data the CLI, the @db suite and the diagnosis rules share.

/** One problem found in the database, with a stable id the diagnosis rules key on. */
export interface DbFinding {
  /** Stable id: db.not-synced, db.tables-missing, db.head-missing, db.head-unknown, db.head-older,
   *  db.pending-migrations, db.release-mismatch, db.drift.active-without-location, db.drift.location-file-missing. */
  readonly id: string;
  readonly severity: 'critical' | 'warning';
  readonly title: string;
  /** What was seen, e.g. "tables missing: task_info". */
  readonly detail: string;
  readonly fix: string;
  /** Image or location ids involved, when there are any. */
  readonly ids?: readonly string[];
}

const SYNC = 'Run `glance-manage db_sync` on the Glance host (as the glance user), then restart glance-api.';

export const finding = {
  notSynced: (database: string): DbFinding => ({
    id: 'db.not-synced',
    severity: 'critical',
    title: 'Glance database has no tables',
    detail: `database "${database}" is empty: glance-manage db_sync was never run against it`,
    fix: SYNC,
  }),
  tablesMissing: (missing: readonly string[], family: string, head: string): DbFinding => ({
    id: 'db.tables-missing',
    severity: 'critical',
    title: 'Glance database is half-migrated: tables are missing',
    detail: `tables missing for ${family} (alembic head ${head}): ${missing.join(', ')}`,
    fix:
      'Restore the database from a backup, or re-create it (DROP/CREATE DATABASE) and run `glance-manage db_sync`; ' +
      'db_sync alone does not re-create tables below the recorded head.',
  }),
  headMissing: (tables: number): DbFinding => ({
    id: 'db.head-missing',
    severity: 'critical',
    title: 'Glance database has tables but no migration head',
    detail: `${tables} table(s) but alembic_version is missing or empty: an interrupted or foreign schema`,
    fix: `${SYNC} If it fails, re-create the database and sync again.`,
  }),
  headUnknown: (head: string): DbFinding => ({
    id: 'db.head-unknown',
    severity: 'warning',
    title: 'Unknown migration head',
    detail: `alembic_version is "${head}", not a head glance-harness knows (wallaby_contract01, 2023_1_contract01, 2024_1_contract01)`,
    fix: 'Check which Glance release wrote this database; `glance-manage db version` on the Glance host names it.',
  }),
  headOlder: (head: string): DbFinding => ({
    id: 'db.head-older',
    severity: 'critical',
    title: 'Glance database is at a pre-Wallaby head',
    detail: `alembic_version is "${head}": the schema is older than any release glance-harness checks`,
    fix: `${SYNC} For a rolling upgrade: glance-manage db expand, db migrate, then db contract.`,
  }),
  pendingMigrations: (head: string, label: string): DbFinding => ({
    id: 'db.pending-migrations',
    severity: 'critical',
    title: 'Database upgrade stopped after expand',
    detail: `alembic_version is "${head}" (${label}): migrate and contract are pending, as glance-manage db check reports`,
    fix: 'Run `glance-manage db migrate`, then `glance-manage db contract` (or `glance-manage db_sync`).',
  }),
  releaseMismatch: (detail: string): DbFinding => ({
    id: 'db.release-mismatch',
    severity: 'critical',
    title: 'API release and database release differ',
    detail,
    fix: 'Run `glance-manage db_sync` with the glance-api release that serves the API, or point glance-api at the right database.',
  }),
  activeWithoutLocation: (ids: readonly string[]): DbFinding => ({
    id: 'db.drift.active-without-location',
    severity: 'critical',
    title: 'Active images without an active location',
    detail: `${ids.length} image(s) are active in the images table but have no active image_locations row`,
    fix: 'Those images cannot be downloaded or booted: re-upload them or deactivate and delete them.',
    ids,
  }),
  locationFileMissing: (ids: readonly string[]): DbFinding => ({
    id: 'db.drift.location-file-missing',
    severity: 'critical',
    title: 'Image locations point to files that do not exist (data loss)',
    detail: `${ids.length} active file:// location(s) name a missing file`,
    fix: 'Restore the files from a backup of the store, or re-upload the images; check the store mount.',
    ids,
  }),
};
