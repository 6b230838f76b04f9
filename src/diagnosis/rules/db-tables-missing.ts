import { needsLink } from '../links.js';
import { SLOW_STORE_MS } from '../origin.js';
import { rule } from '../types.js';

// Told from db.not-synced by what still works: doctor asks for the metadef namespaces and the tasks
// when /v2/images fails (facts.dbCallsAnswered), or the database checks found the recorded alembic
// head with tables missing below it. It blocks nothing: calls on the tables that are there still work.
export default rule({
  id: 'db.tables-missing',
  severity: 'critical',
  title: 'Glance database is half migrated: the alembic head is recorded but tables are missing',
  symptom:
    "Some calls that need the database work (metadef namespaces, tasks) while others answer Glance's generic 500 at once, with a request id; `glance-manage db_sync` says the database is up to date.",
  applies: (e) => {
    const x = e.exchange;
    if (e.origin !== 'glance' || x.status !== 500 || !needsLink('db', x.method, x.path)) return false;
    if (x.timings.totalMs >= SLOW_STORE_MS) return false;
    return (
      (e.facts.dbCallsAnswered?.length ?? 0) > 0 ||
      (e.facts.db?.findings.includes('db.tables-missing') ?? false)
    );
  },
  confirm: (e) => {
    const db = e.facts.db;
    if (!db?.reachable) return undefined;
    return db.findings.includes('db.tables-missing');
  },
  howToConfirm:
    "glance-api.log: \"Table 'glance.<name>' doesn't exist\"; `glance-harness doctor --db URL` (or `--config`) lists the missing tables; `glance-manage db version` prints the current head anyway.",
  fix: 'Restore the glance database from a backup, or re-create it (DROP/CREATE DATABASE) and run `glance-manage db_sync` then `db_load_metadefs`: db_sync trusts alembic_version and never re-creates a table below the recorded head.',
});
