import { needsLink } from '../links.js';
import { body, databaseAnswered, SLOW_STORE_MS } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'db.not-synced',
  severity: 'critical',
  title: 'Glance database has no tables (glance-manage db_sync never ran)',
  symptom:
    "GET / answers 300 and /healthcheck 200, but every /v2/images and /v2/metadefs call (image uploads and downloads included) answers Glance's generic 500 page at once, with a request id.",
  // Uploads count: Glance reads the image's row before it opens the store, so an upload 500 with no
  // sign in the check that the database ever answered is the database, not the store.
  applies: (e) => {
    const x = e.exchange;
    return (
      e.origin === 'glance' &&
      x.status === 500 &&
      needsLink('db', x.method, x.path) &&
      x.timings.totalMs < SLOW_STORE_MS &&
      !databaseAnswered(e) &&
      // A 500 that names a constraint ("NOT NULL constraint failed: tasks.owner") met a table that exists.
      !/constraint failed|integrityerror|duplicate entry/.test(body(x))
    );
  },
  confirm: (e) => {
    const db = e.facts.db;
    if (!db?.reachable) return undefined;
    if (db.findings.includes('db.tables-missing')) return false;
    return db.findings.includes('db.not-synced') || !db.tables.includes('images');
  },
  howToConfirm:
    "glance-api.log: \"Table 'glance.images' doesn't exist\"; `glance-harness doctor --db URL` or `SHOW TABLES` in the glance database lists none.",
  fix: 'Run `su -s /bin/sh -c "glance-manage db_sync" glance` on the Glance host (and `glance-manage db_load_metadefs`); no restart needed.',
  blocks: 'db',
});
